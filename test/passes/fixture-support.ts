// Reads pass fixtures: an input graph in IR text with a `# passes: a,b` header, then a
// `# expect` line and the expected graph (or `# expect: unchanged`).

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface Fixture {
  readonly file: string;
  readonly passes: string[];
  readonly input: string;
  /** undefined: the passes must leave the graph unchanged. */
  readonly expected: string | undefined;
}

export const FIXTURE_DIR = join(import.meta.dirname, 'fixtures');

export function readFixture(file: string): Fixture {
  const text = readFileSync(join(FIXTURE_DIR, file), 'utf8');
  const passes = /^# passes: (.+)$/m.exec(text)?.[1]?.split(',').map((name) => name.trim());
  if (passes === undefined) throw new Error(`${file}: missing '# passes: …' header`);
  const marker = /^# expect(: unchanged)?$/m.exec(text);
  if (marker === null) throw new Error(`${file}: missing '# expect' line`);
  const input = text.slice(0, marker.index);
  const expected = marker[1] === undefined ? text.slice(marker.index + marker[0].length) : undefined;
  return { file, passes, input, expected };
}

export function fixtureFiles(): string[] {
  return readdirSync(FIXTURE_DIR).filter((name) => name.endsWith('.ir')).sort();
}
