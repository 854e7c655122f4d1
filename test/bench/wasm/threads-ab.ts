// A/B of two fusegraph trees' wasm bundles (not a test): this tree's and another checkout's
// (e.g. main before a change), at 1 and N threads, interleaved in ~100 ms blocks in one
// process, for each runner the median and best wall time and the critical-path CPU time
// (the busiest thread's CPU per inference, Linux schedstat, as threads.ts measures it).
//
//   npx tsx test/bench/wasm/threads-ab.ts --base /path/to/other/checkout [--cases deep:32,encoder:64] [--threads 2] [--ms 6000]
//
// `encoder:S` is the transformer encoder of test/bench/seq/encoder-bench.ts at sequence S, batch 1.

import { writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Graph } from '../../../ir/graph.ts';
import { sequential, toGraph, transformerEncoderLayer } from '../../../src/nn.ts';
import { Random } from '../../../src/random.ts';
import { caseByName, outputName } from '../process/cases.ts';
import { blockSize, median, timeBlock, type Infer, type Session } from './interleave.ts';
import { scratchDir } from '../../support/temp-dir.ts';

/** The case's graph and its input at the spec's batch (or, for the encoder, sequence length). */
function caseOf(name: string, size: number): { graph: Graph; x: Float32Array } {
  if (name !== 'encoder') return { graph: caseByName(name).graph(), x: caseByName(name).input(size) };
  const layer = () => transformerEncoderLayer(128, 4, { dimFeedforward: 512, activation: 'relu' });
  const graph = toGraph(sequential(layer(), layer()), { name: `encoder_s${size}`, inputShape: ['N', size, 128], outputName: 'y', seed: 7 });
  return { graph, x: new Random(1).uniformArray(size * 128, -1, 1) };
}

const arg = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
};

async function loadTree(root: string, graph: Graph, threads: number): Promise<{ one: Session; many: Session }> {
  const { compile } = (await import(pathToFileURL(join(root, 'src/compile.ts')).href)) as typeof import('../../../src/compile.ts');
  const bundle = compile(graph, { target: 'wasm' });
  const dir = scratchDir('fusegraph-ab-');
  for (const file of bundle.files) writeFileSync(join(dir, file.name), file.contents);
  const module = (await import(pathToFileURL(join(dir, bundle.entry)).href)) as { load(options: object): Promise<Session> };
  return { one: await module.load({ threads: 1 }), many: await module.load({ threads }) };
}

const threads = Number(arg('--threads', '2'));
const budget = Number(arg('--ms', '6000'));
const here = join(import.meta.dirname, '../../..');
for (const spec of arg('--cases', 'deep:32').split(',')) {
  const [name = '', batchText = '1'] = spec.split(':');
  const batch = Number(batchText);
  const { graph, x } = caseOf(name, batch);
  const output = outputName(graph);
  const head = await loadTree(here, graph, threads);
  const base = await loadTree(arg('--base', ''), graph, threads);
  const runners: [string, Infer][] = [
    ['1t', () => head.one.runSync({ x })[output]],
    [`base ${threads}t`, async () => (await base.many.run({ x }))[output]],
    [`head ${threads}t`, async () => (await head.many.run({ x }))[output]],
  ];
  const reference = Buffer.from((head.one.runSync({ x })[output] ?? new Float32Array()).buffer);
  for (const [label, infer] of runners) {
    const got = await infer();
    if (got === undefined || Buffer.compare(reference, Buffer.from(got.buffer)) !== 0) throw new Error(`${label}: bytes differ`);
  }
  const block = await blockSize(runners[0]?.[1]);
  const timings = runners.map(() => ({ wall: [] as number[], critical: [] as number[] }));
  const start = performance.now();
  const loads = [loadavg()[0] ?? 0];
  while (performance.now() - start < budget) {
    for (const [index, [, infer]] of runners.entries()) {
      const { walls, critical } = await timeBlock(infer, block);
      timings[index]?.wall.push(...walls);
      timings[index]?.critical.push(critical);
    }
  }
  loads.push(loadavg()[0] ?? 0);
  const rows = runners.map(([label], index) => {
    const t = timings[index] ?? { wall: [], critical: [] };
    return { label, median: median(t.wall), best: Math.min(...t.wall), critical: median(t.critical) };
  });
  const one = rows[0];
  const f = (n: number): string => n.toFixed(3);
  console.log(`${name} batch ${batch}, load ${loads.map((l) => l.toFixed(1)).join(' → ')}, blocks of ${block}`);
  for (const row of rows) {
    const ratio = one === undefined ? '' : ` | vs 1t: wall median ${(one.median / row.median).toFixed(2)}× best ${(one.best / row.best).toFixed(2)}× critical ${(one.critical / row.critical).toFixed(2)}×`;
    console.log(`  ${row.label.padEnd(8)} wall median ${f(row.median)} best ${f(row.best)} critical ${f(row.critical)} ms${ratio}`);
  }
  for (const session of [head.one, head.many, base.one, base.many]) await session.dispose();
}
process.exit(0);
