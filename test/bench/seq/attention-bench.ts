// The fused attention kernel alone (not a test): one `attention` node on [1, 4, S, D] heads
// (the issue-12 encoder's shape at D = 32), the WASM bundle with plain and relaxed SIMD, in
// GFLOP/s counting the two products, 2·Sq·Sk·(D + Dv) per head, over the best of 15 rounds.
//
//   node --experimental-wasm-relaxed-simd --import tsx test/bench/seq/attention-bench.ts [S [D [mask]]]
//
// The output is checked against the interpreter first (max |difference| printed).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { interpret } from '../../../ir/interpret.ts';
import { GraphBuilder } from '../../../src/builder.ts';
import { compile } from '../../../src/compile.ts';
import { Random } from '../../../src/random.ts';
import { scratchDir } from '../../support/temp-dir.ts';

type Results = Record<string, Float32Array>;
const HEADS = 4;

async function main(): Promise<void> {
  const sequence = Number(process.argv[2] ?? 256);
  const depth = Number(process.argv[3] ?? 32);
  const masked = process.argv[4] === 'mask';
  const b = new GraphBuilder('attention_bench');
  const shape = ['N', HEADS, sequence, depth];
  const q = b.input('q', shape);
  const k = b.input('k', shape);
  const v = b.input('v', shape);
  const mask = masked ? b.input('mask', [sequence, sequence]) : undefined;
  b.output(b.attention(q, k, v, { scale: 1 / Math.sqrt(depth), ...(mask === undefined ? {} : { mask }) }, 'y'));
  const graph = b.build();
  const random = new Random(3);
  const size = HEADS * sequence * depth;
  const feeds: Record<string, Float32Array> = {
    q: random.uniformArray(size, -2, 2), k: random.uniformArray(size, -2, 2), v: random.uniformArray(size, -1, 1),
    ...(masked ? { mask: random.uniformArray(sequence * sequence, -3, 0) } : {}),
  };
  const expected = interpret(graph, feeds).y ?? new Float32Array();
  const flops = 2 * HEADS * sequence * sequence * 2 * depth;
  for (const relaxed of [false, true]) {
    const bundle = compile(graph, { target: 'wasm', wasm: { relaxed } });
    const dir = scratchDir('fusegraph-attention-bench-');
    for (const file of bundle.files) writeFileSync(join(dir, file.name), file.contents);
    const module = (await import(pathToFileURL(join(dir, bundle.entry)).href)) as { load: (options: object) => Promise<{ runSync(feeds: object): Results }> };
    const session = await module.load({ threads: 1 }); // one thread, like the peers
    const got = session.runSync(feeds).y ?? new Float32Array();
    const error = expected.reduce((worst, x, i) => Math.max(worst, Math.abs(x - (got[i] ?? NaN))), 0);
    for (let i = 0; i < 50; i++) session.runSync(feeds);
    const calls = Math.max(1, Math.round(20000 / (sequence * sequence)));
    const times: number[] = [];
    for (let round = 0; round < 15; round++) {
      const start = performance.now();
      for (let i = 0; i < calls; i++) session.runSync(feeds);
      times.push((performance.now() - start) / calls);
    }
    times.sort((x, y) => x - y);
    const [best, median] = [times[0] ?? NaN, times[7] ?? NaN];
    process.stdout.write(`S = ${sequence}, D = ${depth}${masked ? ', mask' : ''}, ${relaxed ? 'relaxed' : 'plain'}: median ${median.toFixed(3)} / best ${best.toFixed(3)} ms, `
      + `${(flops / best / 1e6).toFixed(1)} GFLOP/s (best), max |error| ${error.toExponential(2)}\n`);
  }
}

await main();
