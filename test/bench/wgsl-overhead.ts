// Benchmark (not a test): the WGSL session's per-call CPU overhead on a tiny model (8 → 8 → 4,
// batch 1), where the GPU work is negligible and each call is host cost: feed checks, encoding,
// submit and the read-back round trip.
//   npx tsx test/bench/wgsl-overhead.ts [runs] [rounds] [--baseline old.mjs] [--null]
// Reports µs per run (best and median round) for the host's share alone (from the call to its
// queue.submit, which a wrapper notes) and end to end: run() with a read-back, keepOnGpu runs
// issued back to back (then one wait), runBatch of 16 runs per submission. A baseline bundle of
// the same model (e.g. compiled by an older fusegraph) is measured in the same rounds,
// interleaved. On SwiftShader the "GPU" is the CPU too, so end-to-end numbers measure
// SwiftShader's dispatches more than our host code; --null runs on Dawn's null backend, which
// validates and "executes" nothing, so every number there is host cost (ours and Dawn's).

import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { linear, relu, sequential, toGraph } from '../../src/nn.ts';
import { compile } from '../../src/compile.ts';
import { Random } from '../../src/random.ts';
import { importBundle } from '../codegen/js/load-bundle.ts';
import { gpuDevice, validationDevice } from '../support/webgpu.ts';

type Feeds = Record<string, Float32Array | GPUBuffer>;
type Results = Record<string, Float32Array | GPUBuffer>;
interface Session {
  run(feeds: Feeds, options?: { keepOnGpu?: boolean }): Promise<Results>;
  runBatch?(list: readonly Feeds[], options?: { keepOnGpu?: boolean }): Promise<Results[]>;
  dispose(): void;
}
interface Loadable {
  load(options: object): Promise<Session>;
}

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const at = args.indexOf(name);
  return at < 0 ? undefined : args.splice(at, 2)[1];
};
const onNull = args.includes('--null');
if (onNull) args.splice(args.indexOf('--null'), 1);
const baselinePath = flag('--baseline');
const runs = Number(args[0] ?? 400);
const rounds = Number(args[1] ?? 5);
const graph = toGraph(sequential(linear(8, 8), relu(), linear(8, 4)), { name: 'tiny', inputShape: ['N', 8], outputName: 'y', seed: 3 });
const { device, description } = onNull ? { device: await validationDevice(), description: 'Dawn null backend (no execution)' } : await gpuDevice();
const current = (await importBundle(compile(graph, { target: 'wgsl' }))) as unknown as Loadable;
const sessions: { label: string; session: Session }[] = [{ label: 'this branch', session: await current.load({ device, maxBatch: 16 }) }];
if (baselinePath !== undefined) {
  const baseline = (await import(pathToFileURL(resolve(baselinePath)).href)) as Loadable;
  sessions.unshift({ label: 'baseline', session: await baseline.load({ device, maxBatch: 16 }) });
}
const x = new Random(1).uniformArray(8, -1, 1);
const fed = device.createBuffer({ size: x.byteLength, usage: 128 | 4 | 8, mappedAtCreation: true });
new Float32Array(fed.getMappedRange()).set(x);
fed.unmap();

// The host's share: the wrapped submit notes when it is called.
const queue = device.queue;
const submit = queue.submit.bind(queue);
let submittedAt = 0;
queue.submit = (buffers: Iterable<GPUCommandBuffer>): undefined => {
  submittedAt = performance.now();
  return submit(buffers);
};

type Measure = (session: Session) => Promise<number>;
const destroyAll = (results: Results[]): void => results.forEach((r) => (r['y'] as GPUBuffer).destroy());

/** µs per run of each measure, per session, rounds interleaved across sessions. */
const measures: { label: string; needsGpuApi: boolean; measure: Measure }[] = [
  { label: 'run(): host time, call to submit', needsGpuApi: false, measure: async (s) => {
    let total = 0;
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      await s.run({ x });
      total += submittedAt - start;
    }
    return total / runs;
  } },
  { label: 'run() with read-back, one by one', needsGpuApi: false, measure: async (s) => {
    const start = performance.now();
    for (let i = 0; i < runs; i++) await s.run({ x });
    return (performance.now() - start) / runs;
  } },
  ...(['array', 'GPUBuffer'] as const).map((kind) => ({ label: `keepOnGpu, ${kind} feed: host time to submit`, needsGpuApi: true, measure: async (s: Session) => {
    const pending: Promise<Results>[] = [];
    const start = performance.now();
    for (let i = 0; i < runs; i++) pending.push(s.run({ x: kind === 'array' ? x : fed }, { keepOnGpu: true }));
    await pending[pending.length - 1];
    const perRun = (submittedAt - start) / runs;
    destroyAll(await Promise.all(pending));
    await device.queue.onSubmittedWorkDone();
    return perRun;
  } })),
  { label: 'keepOnGpu back to back, end to end', needsGpuApi: true, measure: async (s) => {
    const start = performance.now();
    const pending: Promise<Results>[] = [];
    for (let i = 0; i < runs; i++) pending.push(s.run({ x }, { keepOnGpu: true }));
    destroyAll(await Promise.all(pending));
    await device.queue.onSubmittedWorkDone();
    return (performance.now() - start) / runs;
  } },
  { label: 'runBatch(16): host time to submit', needsGpuApi: true, measure: async (s) => {
    const list = Array.from({ length: 16 }, () => ({ x }));
    let total = 0;
    for (let i = 0; i < runs / 16; i++) {
      const start = performance.now();
      await s.runBatch?.(list);
      total += submittedAt - start;
    }
    return total / (16 * Math.floor(runs / 16));
  } },
  { label: 'runBatch(16) with read-back, end to end', needsGpuApi: true, measure: async (s) => {
    const list = Array.from({ length: 16 }, () => ({ x }));
    const start = performance.now();
    for (let i = 0; i < runs / 16; i++) await s.runBatch?.(list);
    return (performance.now() - start) / (16 * Math.floor(runs / 16));
  } },
];

console.log(`adapter: ${description}; ${runs} runs per round, ${rounds} rounds; µs per run, best / median`);
for (const { label, needsGpuApi, measure } of measures) {
  const eligible = sessions.filter(({ session }) => !needsGpuApi || session.runBatch !== undefined);
  const samples = eligible.map(() => [] as number[]);
  for (const { session } of eligible) await measure(session);
  for (let round = 0; round < rounds; round++) {
    for (const [index, { session }] of eligible.entries()) samples[index]?.push((await measure(session)) * 1000);
  }
  const cells = eligible.map(({ label: who }, index) => {
    const sorted = (samples[index] ?? []).sort((a, b) => a - b);
    return `${who} ${sorted[0]?.toFixed(1)} / ${sorted[Math.floor(sorted.length / 2)]?.toFixed(1)}`;
  });
  console.log(`${label.padEnd(42)} ${cells.join('   ')}`);
}
for (const { session } of sessions) session.dispose();
fed.destroy();
process.exit(0);
