import { z } from 'zod';

/** Input shapes shared by the routers. */

/** A calendar day, YYYY-MM-DD, that exists (no 30 February, no month 13). */
export const day = z.iso.date({ message: 'plan_field_date' });

/** A row id as the app makes them (uuid v7), bounded so a hostile id cannot be megabytes long. */
export const id = z.string().min(1).max(64);

/**
 * A name shown to others (on a badge card, to residents on /verify): one line, with no control or
 * invisible formatting characters. A right-to-left override or a zero-width character pasted into a
 * name would make the badge read differently from what the office typed.
 */
export const shownName = (max: number) =>
	z
		.string()
		.trim()
		.min(1)
		.max(max)
		.regex(/^[^\p{Cc}\p{Cf}\u2028\u2029]*$/u, { message: 'office_err_invisible_chars' });
