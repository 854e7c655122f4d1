// The README's op table lists every op of the op table, with its kind, and no op that is gone.

import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { OP_NAMES, OPS } from '../ir/ops/index.ts';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
/** The table that follows the sentence naming this test, up to the first line that is not a row. */
const TABLE = README.slice(README.indexOf('keeps this table in step')).split('\n\n')[1] ?? '';
const ROWS = new Map([...TABLE.matchAll(/^\| `([a-z_]+)` \| (\w+) \|/gm)].map((m) => [m[1] ?? '', m[2] ?? '']));

it('lists every op of the op table with its kind, and nothing else', () => {
  expect(Object.fromEntries(ROWS)).toEqual(Object.fromEntries(OP_NAMES.map((name) => [name, OPS[name].kind])));
});
