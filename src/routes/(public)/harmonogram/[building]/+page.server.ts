import { error } from '@sveltejs/kit';
import { getServices } from '$server/app';
import { buildingSchedule } from '$server/public/schedule.service';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ params }) => {
	const schedule = params.building.length <= 64 ? await buildingSchedule(getServices().db, params.building) : null;
	if (!schedule) error(404);
	return { schedule };
};
