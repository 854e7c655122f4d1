// `npm run bench -- --target wgsl` (or `npx tsx test/bench/wgsl-bench.ts`): times the WGSL
// bundle of the seed and deep MLPs on whatever WebGPU adapter Node gets (reported; on a
// machine without a GPU it is a software adapter and the figures are informational), beside
// the JS bundle in the same process. One `run()` is timed end to end: input upload, every
// dispatch, output readback. Outputs are checked (against the interpreter up to batch 256,
// against the JS bundle above) before any timing counts.
//
// Options: --batches 1,32,256 (default) --models seed_mlp,deep_mlp --budget-ms 1500
//          --json FILE (also write the measurements as JSON)
//          --cnn: the CNN models instead (test/bench/wgsl-cnn-bench.ts, --cnn-batches 1,32)

import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { interpret } from '../../ir/interpret.ts';
import { compile } from '../../src/compile.ts';
import { compareArrays, toleranceFor } from '../../src/tolerance.ts';
import { importBundle } from '../codegen/js/load-bundle.ts';
import { gpuDevice } from '../support/webgpu.ts';
import { BENCH_MODELS, benchInput, flopsPerSample, type BenchModel } from './models.ts';
import { timeRuns, type Feeds, type Loadable, type WgslMeasurement } from './wgsl-timing.ts';

export type { WgslMeasurement } from './wgsl-timing.ts';

function check(model: BenchModel, what: string, expected: Float32Array | undefined, actual: Float32Array | undefined): void {
  const comparison = compareArrays(expected ?? new Float32Array(), actual ?? new Float32Array(), toleranceFor(model.graph));
  if (!comparison.ok) throw new Error(`${model.name} ${what}: output differs: ${JSON.stringify(comparison.mismatch)}`);
}

export async function runWgslBench(argv: readonly string[]): Promise<WgslMeasurement[]> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      target: { type: 'string' }, batches: { type: 'string' }, models: { type: 'string' },
      'budget-ms': { type: 'string' }, json: { type: 'string' }, cnn: { type: 'boolean' }, 'cnn-batches': { type: 'string' },
    },
  });
  if (values.cnn === true) {
    // The CNN models (test/bench/wgsl-cnn-bench.ts), loaded only when asked for.
    const { runWgslCnnBench } = await import('./wgsl-cnn-bench.ts');
    return runWgslCnnBench({
      ...(values.models === undefined ? {} : { models: values.models.split(',') }),
      ...(values['cnn-batches'] === undefined ? {} : { batches: values['cnn-batches'].split(',').map(Number) }),
      budgetMs: Number(values['budget-ms'] ?? 1500),
      ...(values.json === undefined ? {} : { json: values.json }),
    });
  }
  const batches = (values.batches ?? '1,32,256').split(',').map(Number);
  const wanted = values.models?.split(',');
  const models = BENCH_MODELS.filter((model) => wanted === undefined || wanted.includes(model.name));
  const budgetMs = Number(values['budget-ms'] ?? 1500);
  const { device, description } = await gpuDevice();
  const maxBatch = Math.max(...batches);
  const results: WgslMeasurement[] = [];
  for (const model of models) {
    const wgsl = (await importBundle(compile(model.graph, { target: 'wgsl' }))) as unknown as Loadable;
    const js = (await importBundle(compile(model.graph, { target: 'js' }))) as unknown as Loadable;
    const gpuSession = await wgsl.load({ device, maxBatch });
    const jsSession = await js.load();
    const output = model.graph.outputs[0] ?? '';
    for (const batch of batches) {
      const feeds: Feeds = { [model.graph.inputs[0]?.name ?? 'x']: benchInput(batch) };
      const jsOut = (await jsSession.run(feeds))[output];
      const gpuOut = (await gpuSession.run(feeds))[output];
      if (batch <= 256) {
        const reference = interpret(model.graph, feeds)[output];
        check(model, 'js', reference, jsOut);
        check(model, 'wgsl', reference, gpuOut);
      } else {
        check(model, 'wgsl vs js', jsOut, gpuOut);
      }
      for (const [target, session] of [['wgsl', gpuSession], ['js', jsSession]] as const) {
        const { medianMs, runs } = await timeRuns(session.run, feeds, budgetMs);
        const gflops = (flopsPerSample(model) * batch) / (medianMs * 1e6);
        results.push({ model: model.name, target, batch, medianMs, runs, gflops });
        console.log(`${model.name.padEnd(9)} ${target.padEnd(5)} batch ${String(batch).padStart(5)}: ${medianMs.toFixed(3)} ms/run (${runs} runs), ${gflops.toFixed(2)} GFLOP/s`);
      }
    }
    gpuSession.dispose();
    jsSession.dispose();
  }
  console.log(`\n| model | batch | wgsl ms | js ms | wgsl GFLOP/s | js GFLOP/s |\n|---|---:|---:|---:|---:|---:|`);
  for (const row of results.filter((r) => r.target === 'wgsl')) {
    const other = results.find((r) => r.target === 'js' && r.model === row.model && r.batch === row.batch);
    console.log(`| ${row.model} | ${row.batch} | ${row.medianMs.toFixed(3)} | ${other?.medianMs.toFixed(3) ?? ''} | ${row.gflops.toFixed(2)} | ${other?.gflops.toFixed(2) ?? ''} |`);
  }
  console.log(`(adapter: ${description}; one run() = upload + dispatches + readback)`);
  if (values.json !== undefined) writeFileSync(values.json, JSON.stringify({ adapter: description, results }, null, 2));
  return results;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runWgslBench(process.argv.slice(2));
  process.exit(0);
}
