import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { day } from '$server/trpc/inputs';

describe('dates a planner or admin sends', () => {
	it('takes only days that exist on the calendar', () => {
		for (const ok of ['2026-12-01', '2024-02-29', '2027-12-31']) expect(day.safeParse(ok).success, ok).toBe(true);
		// A badge "valid until 30 February" or a billing day in month 13 must be refused, not rolled over.
		for (const bad of ['2026-02-30', '2025-02-29', '2027-13-01', '2026-00-10', '2026-04-31', '2026-1-01', '2026-12-01T00:00', ''])
			expect(day.safeParse(bad).success, bad).toBe(false);
		expect(day.safeParse('2026-02-30').error?.issues[0]?.message).toBe('plan_field_date');
	});

	it('is the one day check the server uses (no router keeps a format-only copy)', () => {
		const root = resolve(import.meta.dirname, '../..');
		const offenders: string[] = [];
		const walk = (dir: string) => {
			for (const name of readdirSync(dir)) {
				const path = join(dir, name);
				if (statSync(path).isDirectory()) walk(path);
				else if (/\.ts$/.test(name) && /regex\(\/\^\\d\{4\}-\\d\{2\}-\\d\{2\}\$\//.test(readFileSync(path, 'utf8'))) offenders.push(relative(root, path));
			}
		};
		walk(join(root, 'server'));
		walk(join(root, 'src/routes'));
		expect(offenders).toEqual([]);
	});
});
