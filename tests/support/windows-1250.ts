/** Polish letters in Windows-1250, the encoding Excel on a Polish Windows saves "CSV" in. */
const CP1250: Record<string, number> = { ą: 0xb9, ć: 0xe6, ę: 0xea, ł: 0xb3, ń: 0xf1, ó: 0xf3, ś: 0x9c, ź: 0x9f, ż: 0xbf, Ą: 0xa5, Ć: 0xc6, Ę: 0xca, Ł: 0xa3, Ń: 0xd1, Ó: 0xd3, Ś: 0x8c, Ź: 0x8f, Ż: 0xaf };

/** Text of ASCII and Polish letters as Excel would save it; anything else is a mistake of the test. */
export function windows1250(text: string): Buffer {
	return Buffer.from(
		[...text].map((c) => {
			const byte = CP1250[c] ?? (c.charCodeAt(0) < 0x80 ? c.charCodeAt(0) : undefined);
			if (byte === undefined) throw new Error(`no Windows-1250 byte for "${c}" in this helper`);
			return byte;
		})
	);
}
