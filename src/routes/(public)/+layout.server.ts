import { operatorInfo } from '$server/operator/operator-config';
import type { LayoutServerLoad } from './$types';

/** The operator's name, hotline and addresses from configuration, for every public page. */
export const load: LayoutServerLoad = () => ({ operator: operatorInfo() });
