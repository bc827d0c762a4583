/**
 * The first `max` characters of what a visitor typed, counted in code points: cutting by UTF-16
 * units can split an emoji's surrogate pair, and a lone half makes encodeURIComponent throw (a 500
 * on a page that echoes the input into a link).
 */
export function clip(text: string, max: number): string {
	return Array.from(text).slice(0, max).join('');
}

/** A form field as typed, trimmed and clipped to `max` characters ('' when absent). */
export function formText(form: FormData, name: string, max: number): string {
	return clip(String(form.get(name) ?? '').trim(), max);
}
