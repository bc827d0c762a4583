import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Cheap password hashing in tests; production uses the full argon2id cost.
process.env.WYMIANA_ARGON2_FAST = '1';
// Photos the tests store go to a store of their own, never the checkout's data/blobs.
process.env.WYMIANA_BLOB_DIR ||= mkdtempSync(join(tmpdir(), 'wymiana-blobs-'));
