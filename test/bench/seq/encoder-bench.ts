// Issue 12's benchmark (not a test): a 2-layer transformer encoder (d_model 128, 4 heads,
// feed-forward 512, post-norm, ReLU, batch_first) at sequence lengths 64 and 256, batch 1:
// fusegraph's WASM bundle (plain and relaxed SIMD) and JS bundle against onnxruntime-web
// (wasm, 1 thread) and onnxruntime-node (1 thread) on the same weights, one process per run.
//
//   node --experimental-wasm-relaxed-simd --import tsx test/bench/seq/encoder-bench.ts [S ...]
//
// Every runner's output is checked once against the interpreter before it is timed; the
// table gives the median / best of 15 rounds in milliseconds per inference.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Graph } from '../../../ir/graph.ts';
import { interpret } from '../../../ir/interpret.ts';
import { compile, type CompileOptions } from '../../../src/compile.ts';
import { writeOnnx } from '../../../src/frontends/onnx/writer.ts';
import { sequential, toGraph, transformerEncoderLayer } from '../../../src/nn.ts';
import { Random } from '../../../src/random.ts';
import { compareArrays } from '../../../src/tolerance.ts';

const D_MODEL = 128;
type Infer = () => Float32Array | Promise<Float32Array>;
type Results = Record<string, Float32Array>;

function encoder(sequence: number): Graph {
  const layer = () => transformerEncoderLayer(D_MODEL, 4, { dimFeedforward: 512, activation: 'relu' });
  return toGraph(sequential(layer(), layer()), { name: `encoder_s${sequence}`, inputShape: ['N', sequence, D_MODEL], outputName: 'y', seed: 7 });
}

async function importCompiled(graph: Graph, options: CompileOptions): Promise<Record<string, unknown>> {
  const bundle = compile(graph, options);
  const dir = mkdtempSync(join(tmpdir(), 'fusegraph-seq-bench-'));
  for (const file of bundle.files) writeFileSync(join(dir, file.name), file.contents);
  return (await import(pathToFileURL(join(dir, bundle.entry)).href)) as Record<string, unknown>;
}

const RUNNERS: Readonly<Record<string, (graph: Graph, x: Float32Array, shape: number[]) => Promise<Infer>>> = {
  'fusegraph-wasm': async (graph, x) => {
    const module = await importCompiled(graph, { target: 'wasm', wasm: { relaxed: false } });
    const session = await (module.load as () => Promise<{ runSync(feeds: object): Results }>)();
    return () => session.runSync({ x }).y ?? new Float32Array();
  },
  'fusegraph-wasm-relaxed': async (graph, x) => {
    const module = await importCompiled(graph, { target: 'wasm', wasm: { relaxed: true } });
    const session = await (module.load as () => Promise<{ relaxedSimd: boolean; runSync(feeds: object): Results }>)();
    if (!session.relaxedSimd) throw new Error('relaxed SIMD unavailable (run node with --experimental-wasm-relaxed-simd)');
    return () => session.runSync({ x }).y ?? new Float32Array();
  },
  'fusegraph-js': async (graph, x) => {
    const module = await importCompiled(graph, { target: 'js' });
    const run = module.run as (feeds: object) => Results;
    return () => run({ x }).y ?? new Float32Array();
  },
  'ort-node': async (graph, x, shape) => {
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(writeOnnx(graph, { opset: 17 }), {
      intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
    });
    const feeds = { x: new ort.Tensor('float32', x, shape) };
    return async () => (await session.run(feeds)).y?.data as Float32Array;
  },
  'ort-web': async (graph, x, shape) => {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.wasmPaths = join(process.cwd(), 'node_modules/onnxruntime-web/dist/');
    const session = await ort.InferenceSession.create(writeOnnx(graph, { opset: 17 }), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    const feeds = { x: new ort.Tensor('float32', x, shape) };
    return async () => (await session.run(feeds)).y?.data as Float32Array;
  },
};

/** Median and best (ms per inference) of 15 timed rounds; on a shared machine the best is the steadier number. */
async function time(infer: Infer): Promise<{ median: number; best: number }> {
  const asynchronous = infer() instanceof Promise;
  const calls = async (n: number): Promise<void> => {
    if (asynchronous) for (let i = 0; i < n; i++) await infer();
    else for (let i = 0; i < n; i++) infer();
  };
  let count = 0;
  const until = performance.now() + 600;
  while (performance.now() < until) { await calls(2); count += 2; }
  const perRound = Math.max(1, Math.round(count / 10));
  const times: number[] = [];
  for (let round = 0; round < 15; round++) {
    const start = performance.now();
    await calls(perRound);
    times.push((performance.now() - start) / perRound);
  }
  times.sort((a, b) => a - b);
  return { median: times[7] ?? NaN, best: times[0] ?? NaN };
}

async function main(): Promise<void> {
  const sequences = process.argv.slice(2).map(Number);
  const rows: string[] = ['| runner | ' + (sequences.length ? sequences : [64, 256]).map((s) => `S = ${s}: median / best (ms)`).join(' | ') + ' |'];
  const table = new Map<string, string[]>();
  for (const sequence of sequences.length ? sequences : [64, 256]) {
    const graph = encoder(sequence);
    const x = new Random(1).uniformArray(sequence * D_MODEL, -1, 1);
    const expected = interpret(graph, { x }).y ?? new Float32Array();
    for (const [name, make] of Object.entries(RUNNERS)) {
      let cell: string;
      try {
        const infer = await make(graph, x, [1, sequence, D_MODEL]);
        const check = compareArrays(expected, await infer(), { abs: 1e-3, rel: 1e-3 });
        if (!check.ok) throw new Error(`computes something else: ${JSON.stringify(check.mismatch)}`);
        const { median, best } = await time(infer);
        cell = `${median.toFixed(2)} / ${best.toFixed(2)}`;
      } catch (error) {
        cell = `failed: ${error instanceof Error ? error.message.slice(0, 80) : String(error)}`;
      }
      table.set(name, [...(table.get(name) ?? []), cell]);
      process.stderr.write(`S=${sequence} ${name}: ${cell}\n`);
    }
  }
  for (const [name, cells] of table) rows.splice(rows.length, 0, `| ${name} | ${cells.join(' | ')} |`);
  rows.splice(1, 0, `|---|${rows[0]?.split('|').slice(2, -1).map(() => '---').join('|')}|`);
  process.stdout.write(`${rows.join('\n')}\n`);
}

await main();
