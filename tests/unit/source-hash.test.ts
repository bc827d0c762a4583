import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sourceHash } from '../../server/start';

const root = resolve(import.meta.dirname, '../..');
const made: string[] = [];
afterEach(() => {
	for (const path of made.splice(0)) rmSync(path, { recursive: true, force: true });
});

describe('when npm start / npm test rebuild the app', () => {
	it('ignores what the i18n compiler writes beside its settings, so compiling messages alone forces no rebuild', () => {
		const before = sourceHash();
		const cache = join(root, 'src/lib/i18n/project.inlang/cache/probe-test');
		mkdirSync(cache, { recursive: true });
		made.push(cache);
		writeFileSync(join(cache, 'entry'), String(Date.now()));
		expect(sourceHash()).toBe(before);
	});
});
