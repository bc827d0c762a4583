/** Tariff groups and the registers a fitter reads for each. */
export const TARIFF_GROUPS = ['G11', 'G12', 'G12w', 'G13', 'C11', 'C12a', 'C12b'] as const;
export type TariffGroup = (typeof TARIFF_GROUPS)[number];

const ZONES: Record<TariffGroup, number> = { G11: 1, C11: 1, G12: 2, G12w: 2, C12a: 2, C12b: 2, G13: 3 };

export function isTariffGroup(value: string): value is TariffGroup {
	return (TARIFF_GROUPS as readonly string[]).includes(value);
}

/**
 * OBIS codes to read: 1.8.1…1.8.n (energy taken from the grid, one per zone) and, for prosumers,
 * 2.8.1…2.8.n (energy fed in).
 */
export function registersFor(group: TariffGroup, prosumer: boolean): string[] {
	const zones = ZONES[group];
	const out: string[] = [];
	for (let z = 1; z <= zones; z++) out.push(`1.8.${z}`);
	if (prosumer) for (let z = 1; z <= zones; z++) out.push(`2.8.${z}`);
	return out;
}
