// `npm run bench -- --target wgsl --cnn` (on a GPU machine: test/bench/gpu-bench.sh --cnn):
// times the WGSL bundles of the CNN benchmark models (test/bench/cnn/models.ts: LeNet,
// MobileNetV2 and ResNet-18 at 224, issue 11's four single-conv layers) on the Node adapter.
// Each model's output at batch 1 is checked against its JS bundle first, and every sample of
// a larger batch (the batch-1 input repeated) against that, before any timing counts.
// FLOPs are the lowered kernels' (codegen/kernel-info.ts): 2 per multiply-add, 1 per other
// result or tap.
//
// Options (with --cnn): --models resnet18,lenet,… (default: all) --cnn-batches 1,32
// (default: 1 and 32 for whole models, 1 for single layers) --budget-ms --json FILE

import { writeFileSync } from 'node:fs';
import { kernelFlops } from '../../codegen/kernel-info.ts';
import { lowerGraph } from '../../codegen/lower.ts';
import type { Graph } from '../../ir/graph.ts';
import { staticSize } from '../../ir/types.ts';
import { compile } from '../../src/compile.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { Random } from '../../src/random.ts';
import { compareArrays, toleranceFor } from '../../src/tolerance.ts';
import { importBundle } from '../codegen/js/load-bundle.ts';
import { gpuDevice } from '../support/webgpu.ts';
import { CNN_MODELS, CONV_LAYERS, type CnnBenchModel } from './cnn/models.ts';
import { timeRuns, type Loadable, type WgslMeasurement } from './wgsl-timing.ts';

export interface CnnBenchOptions {
  readonly models?: readonly string[];
  readonly batches?: readonly number[];
  readonly budgetMs: number;
  readonly json?: string;
}

/** FLOPs of one run at `batch`, summed over the -O2 program's kernels. */
function flopsAt(graph: Graph, batch: number): number {
  const { graph: optimized, plan } = optimize(graph, { level: 'O2' });
  return lowerGraph(optimized, plan).kernels.reduce((sum, kernel) => sum + kernelFlops(kernel, batch), 0);
}

function repeated(sample: Float32Array, batch: number): Float32Array {
  const data = new Float32Array(sample.length * batch);
  for (let b = 0; b < batch; b++) data.set(sample, b * sample.length);
  return data;
}

/** Throws unless every sample of `actual` matches `expected` (one sample) within the graph's tolerance. */
function check(graph: Graph, what: string, expected: Float32Array, actual: Float32Array, batch: number): void {
  for (let b = 0; b < batch; b++) {
    const sample = actual.subarray(b * expected.length, (b + 1) * expected.length);
    const comparison = compareArrays(expected, sample, toleranceFor(graph));
    if (!comparison.ok) throw new Error(`${what}, sample ${b}: output differs from the JS bundle: ${JSON.stringify(comparison.mismatch)}`);
  }
}

export async function runWgslCnnBench(options: CnnBenchOptions): Promise<WgslMeasurement[]> {
  const all: readonly CnnBenchModel[] = [...CNN_MODELS, ...CONV_LAYERS];
  const models = all.filter((model) => options.models === undefined || options.models.includes(model.name));
  const { device, description } = await gpuDevice();
  const results: WgslMeasurement[] = [];
  for (const model of models) {
    const graph = model.build();
    const input = graph.inputs[0];
    const output = graph.outputs[0] ?? '';
    if (input === undefined) continue;
    const batches = options.batches ?? (CONV_LAYERS.includes(model) ? [1] : [1, 32]);
    const sample = new Random(7).uniformArray(staticSize(input.type.shape), -1, 1);
    const js = (await importBundle(compile(graph, { target: 'js' }))) as unknown as Loadable;
    const jsSession = await js.load();
    const expected = (await jsSession.run({ [input.name]: sample }))[output] ?? new Float32Array();
    jsSession.dispose();
    const created = performance.now();
    const wgsl = (await importBundle(compile(graph, { target: 'wgsl' }))) as unknown as Loadable;
    const session = await wgsl.load({ device, maxBatch: Math.max(...batches) });
    console.log(`${model.name}: bundle loaded (pipelines created) in ${(performance.now() - created).toFixed(0)} ms`);
    for (const batch of batches) {
      const feeds = { [input.name]: repeated(sample, batch) };
      check(graph, `${model.name} batch ${batch}`, expected, (await session.run(feeds))[output] ?? new Float32Array(), batch);
      const { medianMs, runs } = await timeRuns(session.run, feeds, options.budgetMs);
      const gflops = flopsAt(graph, batch) / (medianMs * 1e6);
      results.push({ model: model.name, target: 'wgsl', batch, medianMs, runs, gflops });
      console.log(`${model.name.padEnd(20)} wgsl batch ${String(batch).padStart(4)}: ${medianMs.toFixed(3)} ms/run (${runs} runs), ${gflops.toFixed(2)} GFLOP/s`);
    }
    session.dispose();
  }
  console.log('\n| model | batch | wgsl ms | GFLOP/s |\n|---|---:|---:|---:|');
  for (const row of results) console.log(`| ${row.model} | ${row.batch} | ${row.medianMs.toFixed(3)} | ${row.gflops.toFixed(2)} |`);
  console.log(`(adapter: ${description}; one run() = upload + dispatches + readback)`);
  if (options.json !== undefined) writeFileSync(options.json, JSON.stringify({ adapter: description, results }, null, 2));
  return results;
}
