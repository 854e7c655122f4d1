// Benchmark (not a test): the WGSL session's per-call CPU overhead on a tiny model (8 → 8 → 4,
// batch 1), where the GPU work is negligible and each call is host cost: feed checks, encoding,
// submit and the read-back round trip. Run: `npx tsx test/bench/wgsl-overhead.ts [runs] [rounds]`.
// Reports µs per call (best and median round) for run() with a read-back, for keepOnGpu runs
// issued back to back (then one wait), and for runBatch of 16 runs per submission, where the
// bundle has them. On SwiftShader the "GPU" is the CPU too: numbers are host-side upper bounds.

import { linear, relu, sequential, toGraph } from '../../src/nn.ts';
import { compile } from '../../src/compile.ts';
import { Random } from '../../src/random.ts';
import { importBundle } from '../codegen/js/load-bundle.ts';
import { gpuDevice } from '../support/webgpu.ts';

type Feeds = Record<string, Float32Array>;
interface Session {
  run(feeds: Feeds, options?: { keepOnGpu?: boolean }): Promise<Record<string, Float32Array | GPUBuffer>>;
  runBatch?(list: readonly Feeds[], options?: { keepOnGpu?: boolean }): Promise<Record<string, Float32Array | GPUBuffer>[]>;
  dispose(): void;
}

const runs = Number(process.argv[2] ?? 400);
const rounds = Number(process.argv[3] ?? 5);
const graph = toGraph(sequential(linear(8, 8), relu(), linear(8, 4)), { name: 'tiny', inputShape: ['N', 8], outputName: 'y', seed: 3 });
const { device, description } = await gpuDevice();
const module = (await importBundle(compile(graph, { target: 'wgsl' }))) as unknown as { load(o: object): Promise<Session> };
const session = await module.load({ device, maxBatch: 16 });
const feeds = { x: new Random(1).uniformArray(8, -1, 1) };

async function perCall(label: string, calls: number, body: () => Promise<void>): Promise<void> {
  const samples: number[] = [];
  await body();
  for (let round = 0; round < rounds; round++) {
    const start = performance.now();
    await body();
    samples.push(((performance.now() - start) * 1000) / calls);
  }
  samples.sort((a, b) => a - b);
  console.log(`${label.padEnd(44)} best ${samples[0]?.toFixed(1)} µs, median ${samples[Math.floor(samples.length / 2)]?.toFixed(1)} µs per run`);
}

console.log(`adapter: ${description}; ${runs} runs per round, ${rounds} rounds`);
// The host's share alone: from the run() call to its queue.submit (the wrapped submit notes
// the time), before any GPU work or read-back wait.
const queue = device.queue;
const submit = queue.submit.bind(queue);
let submittedAt = 0;
queue.submit = (buffers: Iterable<GPUCommandBuffer>): undefined => {
  submittedAt = performance.now();
  return submit(buffers);
};
{
  const samples: number[] = [];
  for (let i = 0; i < runs * rounds; i++) {
    const start = performance.now();
    await session.run(feeds);
    samples.push((submittedAt - start) * 1000);
  }
  samples.sort((a, b) => a - b);
  console.log(`${'run(): host time from call to submit'.padEnd(44)} best ${samples[0]?.toFixed(1)} µs, median ${samples[Math.floor(samples.length / 2)]?.toFixed(1)} µs per run`);
}
await perCall('run() with read-back, awaited one by one', runs, async () => {
  for (let i = 0; i < runs; i++) await session.run(feeds);
});
if (session.runBatch !== undefined) {
  const runBatch = session.runBatch.bind(session);
  await perCall('run({ keepOnGpu }) issued back to back', runs, async () => {
    const pending: Promise<Record<string, Float32Array | GPUBuffer>>[] = [];
    for (let i = 0; i < runs; i++) pending.push(session.run(feeds, { keepOnGpu: true }));
    for (const result of await Promise.all(pending)) (result['y'] as GPUBuffer).destroy();
    await device.queue.onSubmittedWorkDone();
  });
  {
    // Host cost alone: from the first call to the last submit, the GPU work not awaited.
    const samples: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const pending: Promise<Record<string, Float32Array | GPUBuffer>>[] = [];
      const start = performance.now();
      for (let i = 0; i < runs; i++) pending.push(session.run(feeds, { keepOnGpu: true }));
      await pending[pending.length - 1];
      samples.push(((submittedAt - start) * 1000) / runs);
      for (const result of await Promise.all(pending)) (result['y'] as GPUBuffer).destroy();
      await device.queue.onSubmittedWorkDone();
    }
    samples.sort((a, b) => a - b);
    console.log(`${'run({ keepOnGpu }): host time to submit'.padEnd(44)} best ${samples[0]?.toFixed(1)} µs, median ${samples[Math.floor(samples.length / 2)]?.toFixed(1)} µs per run`);
  }
  const list = Array.from({ length: 16 }, () => feeds);
  {
    const samples: number[] = [];
    for (let round = 0; round < rounds * 20; round++) {
      const start = performance.now();
      await runBatch(list);
      samples.push(((submittedAt - start) * 1000) / list.length);
    }
    samples.sort((a, b) => a - b);
    console.log(`${'runBatch(16 feeds): host time to submit'.padEnd(44)} best ${samples[0]?.toFixed(1)} µs, median ${samples[Math.floor(samples.length / 2)]?.toFixed(1)} µs per run`);
  }
  await perCall('runBatch(16 feeds) with read-back', runs, async () => {
    for (let i = 0; i < runs / 16; i++) await runBatch(list);
  });
}
session.dispose();
process.exit(0);
