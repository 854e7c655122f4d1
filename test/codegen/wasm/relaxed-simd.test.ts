// The relaxed-SIMD module (f32x4.relaxed_madd in the linear and matmul kernels) in an
// engine that has it: Node 20 enables relaxed SIMD only behind a V8 flag, so the bundle runs
// in a child `node --experimental-wasm-relaxed-simd`, which must pick the relaxed module and
// agree with the interpreter; without the flag the same bundle falls back to plain SIMD.

import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import seedMlp from '../../../examples/seed-mlp.ts';
import { optimize } from '../../../src/passes/pipeline.ts';
import { Random } from '../../../src/random.ts';
import { writeBundle } from '../js/load-bundle.ts';
import { bundleFor, expectAgrees } from './wasm-bundle.ts';

const RUNNER = `import { load } from "./ENTRY";
import { readFileSync } from "node:fs";
const x = new Float32Array(readFileSync(new URL("./x.bin", import.meta.url)).buffer.slice(0));
const session = await load();
const { logits } = session.runSync({ x });
process.stdout.write(JSON.stringify({ relaxed: session.relaxedSimd, logits: Array.from(logits) }));
`;

/** Whether this Node accepts a V8 flag (newer versions ship relaxed SIMD and may drop it). */
function nodeAccepts(flag: string): boolean {
  return spawnSync(process.execPath, [flag, '-e', '0']).status === 0;
}

function runChild(flags: readonly string[], dir: string): { relaxed: boolean; logits: number[] } {
  const out = execFileSync(process.execPath, [...flags, join(dir, 'runner.mjs')], { encoding: 'utf8' });
  return JSON.parse(out) as { relaxed: boolean; logits: number[] };
}

describe('relaxed SIMD', () => {
  it('is chosen where the engine validates it, and agrees with the interpreter; else plain SIMD', () => {
    const { graph, plan } = optimize(seedMlp);
    const bundle = bundleFor(graph, plan, { relaxed: true });
    const dir = writeBundle(bundle);
    const x = new Random(11).uniformArray(5 * 784, 0, 1);
    writeFileSync(join(dir, 'x.bin'), new Uint8Array(x.buffer));
    writeFileSync(join(dir, 'runner.mjs'), RUNNER.replace('ENTRY', bundle.entry));
    const enable = '--experimental-wasm-relaxed-simd';
    const relaxed = runChild(nodeAccepts(enable) ? [enable] : [], dir);
    expect(relaxed.relaxed).toBe(true);
    expectAgrees(seedMlp, { x }, { logits: Float32Array.from(relaxed.logits) });
    const disable = '--no-experimental-wasm-relaxed-simd';
    if (!nodeAccepts(disable)) return; // an engine that cannot turn it off has no fallback to test
    const plain = runChild([disable], dir);
    expect(plain.relaxed).toBe(false);
    expectAgrees(seedMlp, { x }, { logits: Float32Array.from(plain.logits) });
  });
});
