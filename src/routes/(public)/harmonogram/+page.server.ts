import { clip } from '$lib/public/clip';
import { getServices } from '$server/app';
import { searchBuildings } from '$server/public/schedule.service';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ url }) => {
	const q = url.searchParams.get('q');
	if (q === null) return { q: null, hits: [] };
	const query = clip(q.trim(), 80);
	return { q: query, hits: query ? await searchBuildings(getServices().db, query) : [] };
};
