import { z } from 'zod';

/** Input shapes shared by the routers. */

/** A calendar day, YYYY-MM-DD, that exists (no 30 February, no month 13). */
export const day = z.iso.date({ message: 'plan_field_date' });

/** A row id as the app makes them (uuid v7), bounded so a hostile id cannot be megabytes long. */
export const id = z.string().min(1).max(64);
