/**
 * Tariff groups a Polish operator uses today for households (G), small business (C) and temporary
 * supplies (O), and the number of time zones (registers) a fitter reads for each. G14dynamic has
 * four zones priced by the hour.
 */
const ZONES = {
	G11: 1, G12: 2, G12w: 2, G12r: 2, G12n: 2, G12as: 2, G13: 3, G14dynamic: 4,
	C11: 1, C12a: 2, C12b: 2, C12w: 2, C13: 3,
	O11: 1, O12: 2
} as const;
export type TariffGroup = keyof typeof ZONES;
export const TARIFF_GROUPS = Object.keys(ZONES) as [TariffGroup, ...TariffGroup[]];

export function isTariffGroup(value: string): value is TariffGroup {
	return Object.hasOwn(ZONES, value);
}

/** The group as written in a file, whatever its case ("g12W", "c12A"), or null when unknown. */
export function parseTariffGroup(value: string): TariffGroup | null {
	const lower = value.trim().toLowerCase();
	return TARIFF_GROUPS.find((g) => g.toLowerCase() === lower) ?? null;
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
