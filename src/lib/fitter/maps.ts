/**
 * A link that opens the address in the device's maps app: `geo:` on Android tablets (the
 * system asks which app), Apple Maps on iPads. The query is the postal address, no coordinates.
 */
export function mapsHref(b: { street: string; number: string; postcode?: string; city?: string }, userAgent = globalThis.navigator?.userAgent ?? ''): string {
	const query = `${b.street} ${b.number}${b.postcode || b.city ? `, ${[b.postcode, b.city].filter(Boolean).join(' ')}` : ''}`;
	if (/iPad|iPhone|Macintosh/.test(userAgent)) return `https://maps.apple.com/?q=${encodeURIComponent(query)}`;
	return `geo:0,0?q=${encodeURIComponent(query)}`;
}
