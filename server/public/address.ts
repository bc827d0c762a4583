/**
 * Addresses as residents type them: "ul. Orbitalna 2", "orbitalna", "Os. Różanka", stairwell "2"
 * or "II" or "klatka II". Comparison keys only; what is shown comes from the database.
 */
const PREFIXES = /^(ul\.?|ulica|al\.?|aleja|aleje|os\.?|osiedle|pl\.?|plac)\s+/;

export function streetKey(street: string): string {
	return street
		.normalize('NFD')
		.replace(/\p{M}/gu, '')
		.replace(/ł/g, 'l')
		.replace(/Ł/g, 'L')
		.toLowerCase()
		.replace(/[.,]/g, (c) => (c === '.' ? '. ' : ' '))
		.replace(/\s+/g, ' ')
		.trim()
		.replace(PREFIXES, '')
		.trim();
}

export function houseNumberKey(number: string): string {
	return number.toLowerCase().replace(/\s+/g, '');
}

const ROMAN = ['', 'I', 'II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII', 'IX', 'X', 'XI', 'XII'];

export function stairwellKey(stairwell: string): string {
	const s = stairwell.toUpperCase().replace(/KLATKA|KL\.?/g, '').replace(/\s+/g, '');
	if (/^\d+$/.test(s) && Number(s) < ROMAN.length) return ROMAN[Number(s)]!;
	return s;
}
