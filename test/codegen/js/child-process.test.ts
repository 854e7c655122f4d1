// A written bundle imported by a fresh `node` process (no test runner, no transform): its
// output matches the interpreter, and 10,000 calls do not grow the heap (a call allocates
// only its result arrays; the arena is reused).

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emitJs } from '../../../codegen/js/target.ts';
import { interpret } from '../../../ir/interpret.ts';
import { Random } from '../../../src/random.ts';
import { compareArrays, toleranceFor } from '../../../src/tolerance.ts';
import seedMlp from '../../../examples/seed-mlp.ts';
import { naivePlan } from '../naive-plan.ts';
import { writeBundle } from './load-bundle.ts';

const CHILD = `
import { run, metadata } from './seed_mlp.mjs';
import { readFileSync } from 'node:fs';
const x = new Float32Array(readFileSync(new URL('./x.bin', import.meta.url)).buffer.slice(0));
const logits = run({ x }).logits;
const one = x.subarray(0, 784);
// Warm up first: V8's optimized code and feedback for run() count as heap too.
for (let i = 0; i < 10000; i++) run({ x: one });
globalThis.gc();
const before = process.memoryUsage().heapUsed;
for (let i = 0; i < 10000; i++) run({ x: one });
globalThis.gc();
const growth = process.memoryUsage().heapUsed - before;
process.stdout.write(JSON.stringify({ name: metadata.name, logits: Array.from(logits), growth }));
`;

describe('JS bundle in a fresh Node process', () => {
  it('matches the interpreter and does not grow the heap over 10,000 calls', () => {
    const dir = writeBundle(emitJs(seedMlp, naivePlan(seedMlp)));
    const x = new Random(11).uniformArray(4 * 784, -1, 1);
    writeFileSync(join(dir, 'x.bin'), new Uint8Array(x.buffer));
    writeFileSync(join(dir, 'child.mjs'), CHILD);
    const output = execFileSync(process.execPath, ['--expose-gc', join(dir, 'child.mjs')], { encoding: 'utf8' });
    const result = JSON.parse(output) as { name: string; logits: number[]; growth: number };
    expect(result.name).toBe('seed_mlp');
    const expected = interpret(seedMlp, { x })['logits'] ?? new Float32Array();
    expect(compareArrays(expected, Float32Array.from(result.logits), toleranceFor(seedMlp)).ok).toBe(true);
    // 10,000 calls each allocate a 40-byte result; anything retained per call would exceed this.
    expect(result.growth).toBeLessThan(256 * 1024);
  });
});
