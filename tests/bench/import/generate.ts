import { ppeWithCheckDigit } from '../../../src/lib/domain/ppe';

export const HEADER = 'ppe;numer_licznika;producent;model;ulica;numer_budynku;kod_pocztowy;miejscowosc;osiedle;klatka;lokal;lokalizacja;grupa_taryfowa;prosument;telefon';

/** `n` valid meter points: estates of 50 buildings × 4 stairwells × 10 flats; a fifth in-home. */
export function meterPointsCsv(n: number, prefix = '59054377'): string {
	const lines = [HEADER];
	for (let i = 0; i < n; i++) {
		const building = Math.floor(i / 40);
		const estate = Math.floor(building / 50);
		const stairwell = ['I', 'II', 'III', 'IV'][Math.floor(i / 10) % 4]!;
		const inHome = i % 5 === 0;
		lines.push([
			ppeWithCheckDigit(prefix + String(i).padStart(9, '0')), `S${String(i).padStart(9, '0')}`, 'Apator', 'A52', `ul. Ławkowa ${estate}`, String(building % 50 + 1),
			`5${String(estate % 10)}-${String(100 + (building % 50)).padStart(3, '0')}`, 'Wrocław', `Osiedle Testowe ${estate}`, stairwell, String(i % 40 + 1),
			inHome ? 'mieszkanie' : 'klatka', i % 7 === 0 ? 'G12' : 'G11', i % 20 === 0 ? 'tak' : 'nie', inHome ? '+48 600 000 000' : ''
		].join(';'));
	}
	return lines.join('\n') + '\n';
}
