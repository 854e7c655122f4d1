// GPU-resident WGSL runs: GPUBuffer feeds give the bits array feeds give, keepOnGpu results read
// back to run()'s, a result buffer feeds a second bundle on the same device, runBatch equals
// separate runs, bad buffers are refused naming the input, and after warm-up a run creates no
// buffer or bind group (counted on a wrapped device) beyond the buffers keepOnGpu returns.

import { afterAll, describe, expect, it } from 'vitest';
import seedMlp from '../../examples/seed-mlp.ts';
import { interpret } from '../../ir/interpret.ts';
import { compile } from '../../src/compile.ts';
import { linear, sequential, softmax, toGraph } from '../../src/nn.ts';
import { Random } from '../../src/random.ts';
import { compareArrays, toleranceFor } from '../../src/tolerance.ts';
import { importBundle } from '../codegen/js/load-bundle.ts';
import { embeddingClassifier, SEQ } from '../support/dtype-graphs.ts';
import { gpuDevice } from '../support/webgpu.ts';

type Feeds = Record<string, Float32Array | Int32Array | GPUBuffer>;
type HostResults = Record<string, Float32Array>;
type GpuResults = Record<string, GPUBuffer>;
interface Session {
  run(feeds: Feeds): Promise<HostResults>;
  run(feeds: Feeds, options: { keepOnGpu: true; batch?: number }): Promise<GpuResults>;
  run(feeds: Feeds, options: { batch?: number }): Promise<HostResults>;
  runBatch(list: readonly Feeds[]): Promise<HostResults[]>;
  runBatch(list: readonly Feeds[], options: { keepOnGpu: true }): Promise<GpuResults[]>;
  dispose(): void;
}
interface WgslModule {
  load(options: { device: GPUDevice; maxBatch?: number }): Promise<Session>;
}

// GPUBufferUsage and GPUMapMode as numbers: Node has no WebGPU globals.
const STORAGE = 128;
const COPY_SRC = 4;
const COPY_DST = 8;
const MAP_READ = 1;

function upload(device: GPUDevice, values: Float32Array, usage = STORAGE | COPY_SRC | COPY_DST): GPUBuffer {
  const buffer = device.createBuffer({ size: values.byteLength, usage, mappedAtCreation: true });
  new Float32Array(buffer.getMappedRange()).set(values);
  buffer.unmap();
  return buffer;
}

async function readBack(device: GPUDevice, source: GPUBuffer): Promise<Float32Array> {
  const staging = device.createBuffer({ size: source.size, usage: MAP_READ | COPY_DST });
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(source, 0, staging, 0, source.size);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(MAP_READ);
  const values = new Float32Array(staging.getMappedRange().slice(0));
  staging.destroy();
  return values;
}

async function loadModel(graph: typeof seedMlp, device: GPUDevice, maxBatch = 8): Promise<Session> {
  const module = (await importBundle(compile(graph, { target: 'wgsl' }))) as unknown as WgslModule;
  return module.load({ device, maxBatch });
}

/** One seed-MLP session for the tests on the plain device (SwiftShader compiles pipelines slowly). */
let seedSession: Promise<Session> | undefined;
async function seed(): Promise<{ device: GPUDevice; session: Session }> {
  const { device } = await gpuDevice();
  seedSession ??= loadModel(seedMlp, device);
  return { device, session: await seedSession };
}
afterAll(async () => (await seedSession)?.dispose());

const bits = (values: Float32Array | undefined): number[] => Array.from(new Uint32Array((values ?? new Float32Array()).buffer.slice(0)));
const random = new Random(17);
const x3 = random.uniformArray(3 * 784, 0, 1);
const x5 = random.uniformArray(5 * 784, 0, 1);
// A second model that reads the seed MLP's logits.
const head = toGraph(sequential(linear(10, 6), softmax()), { name: 'head', inputShape: ['N', 10], outputName: 'p', seed: 4 });

describe('GPU-resident WGSL runs', () => {
  it('takes GPUBuffer feeds and returns GPUBuffers bit for bit like arrays', async () => {
    const { device, session } = await seed();
    const expected = await session.run({ x: x3 });
    const fed = upload(device, x3);
    expect(bits((await session.run({ x: fed })).logits)).toEqual(bits(expected.logits));
    const kept = await session.run({ x: fed }, { keepOnGpu: true });
    const logits = kept.logits;
    if (logits === undefined) throw new Error('no logits buffer');
    expect(logits.size).toBe(3 * 10 * 4);
    expect(logits.usage & (STORAGE | COPY_SRC)).toBe(STORAGE | COPY_SRC);
    expect(bits(await readBack(device, logits))).toEqual(bits(expected.logits));
    // A padded buffer with the batch given.
    const padded = upload(device, Float32Array.from([...x3, 9, 9, 9, 9]));
    expect(bits((await session.run({ x: padded }, { batch: 3 })).logits)).toEqual(bits(expected.logits));
    for (const buffer of [fed, logits, padded]) buffer.destroy();
  });

  it('takes i32 ids as a GPUBuffer of f32 lanes, the layout its results use', async () => {
    const { device } = await gpuDevice();
    const graph = embeddingClassifier();
    const session = await loadModel(graph, device);
    try {
      const ids = Int32Array.from({ length: 2 * SEQ }, (_, i) => (i * 7) % 11);
      const expected = await session.run({ ids });
      const fed = upload(device, Float32Array.from(ids));
      const actual = await session.run({ ids: fed });
      expect(bits(actual.logits)).toEqual(bits(expected.logits));
      expect(bits(actual.length)).toEqual(bits(expected.length));
      fed.destroy();
    } finally {
      session.dispose();
    }
  });

  it('chains two bundles on one device without a host copy', async () => {
    const { device, session: first } = await seed();
    const second = await loadModel(head, device);
    try {
      const { logits } = await first.run({ x: x5 }, { keepOnGpu: true });
      if (logits === undefined) throw new Error('no logits buffer');
      const chained = (await second.run({ x: logits })).p;
      const hostLogits = (await first.run({ x: x5 })).logits ?? new Float32Array();
      expect(bits(chained)).toEqual(bits((await second.run({ x: hostLogits })).p));
      const reference = interpret(head, { x: interpret(seedMlp, { x: x5 }).logits ?? new Float32Array() }).p ?? new Float32Array();
      expect(compareArrays(reference, chained ?? new Float32Array(), toleranceFor(head)).ok).toBe(true);
      logits.destroy();
    } finally {
      second.dispose();
    }
  });

  it('runBatch and pipelined keepOnGpu runs equal separate runs, batch sizes and GPUBuffer feeds mixed', async () => {
    const { device, session } = await seed();
    const fed = upload(device, x5);
    const list: Feeds[] = [{ x: x3 }, { x: x5 }, { x: fed }, { x: x3.subarray(0, 784) }];
    const separate: HostResults[] = [];
    for (const feeds of list) separate.push(await session.run(feeds));
    const together = await session.runBatch(list);
    expect(together.map((r) => bits(r.logits))).toEqual(separate.map((r) => bits(r.logits)));
    const kept = await session.runBatch(list, { keepOnGpu: true });
    const read = await Promise.all(kept.map((r) => readBack(device, r.logits ?? fed)));
    expect(read.map(bits)).toEqual(separate.map((r) => bits(r.logits)));
    for (const r of kept) r.logits?.destroy();
    // Pipelined: keepOnGpu runs issued without waiting, a read-back run among them.
    const pending = list.map((feeds) => session.run(feeds, { keepOnGpu: true }));
    const between = session.run({ x: x5 });
    const issued = await Promise.all(pending);
    expect(bits((await between).logits)).toEqual(bits(separate[1]?.logits));
    const pipelined = await Promise.all(issued.map((r) => readBack(device, r.logits ?? fed)));
    expect(pipelined.map(bits)).toEqual(separate.map((r) => bits(r.logits)));
    for (const r of issued) r.logits?.destroy();
    fed.destroy();
  });

  it('refuses a GPUBuffer of the wrong size or usage, naming the input', async () => {
    const { device, session } = await seed();
    const expected = await session.run({ x: x3 });
    const small = upload(device, x3.subarray(0, 700));
    await expect(session.run({ x: small })).rejects.toThrow(/input "x": the GPUBuffer holds 2800 bytes, not a whole number of samples of 784/);
    await expect(session.run({ x: small }, { batch: 1 })).rejects.toThrow(/input "x": the GPUBuffer holds 2800 bytes; batch 1 needs 3136/);
    const noCopy = upload(device, x3, STORAGE);
    await expect(session.run({ x: noCopy })).rejects.toThrow(/input "x": a GPUBuffer feed needs COPY_SRC usage/);
    const big = upload(device, random.uniformArray(9 * 784, 0, 1));
    await expect(session.run({ x: big })).rejects.toThrow(/batch 9 exceeds the maxBatch 8/);
    await expect(session.runBatch([{ x: x3 }, { x: noCopy }])).rejects.toThrow(/COPY_SRC/);
    const destroyed = upload(device, x3);
    destroyed.destroy();
    await expect(session.run({ x: destroyed })).rejects.toThrow(/WebGPU rejected the run/);
    const mapped = device.createBuffer({ size: x3.byteLength, usage: COPY_SRC, mappedAtCreation: true });
    await expect(session.run({ x: mapped })).rejects.toThrow(/input "x": the GPUBuffer is mapped; unmap it/);
    mapped.destroy();
    // The refused batch wrote nothing: the session still answers right.
    expect(bits((await session.run({ x: x3 })).logits)).toEqual(bits(expected.logits));
    for (const buffer of [small, noCopy, big]) buffer.destroy();
  });

  it('serves more batch sizes than it caches (the oldest uniform and bind groups retired)', async () => {
    const { device } = await gpuDevice();
    const session = await loadModel(head, device, 40);
    try {
      // 34 sizes, one more than the 32 cached, then the first (evicted) size again.
      for (const batch of [...Array.from({ length: 34 }, (_, i) => i + 1), 1, 2]) {
        const x = new Random(batch).uniformArray(batch * 10, -3, 3);
        const reference = interpret(head, { x }).p ?? new Float32Array();
        const actual = (await session.run({ x })).p ?? new Float32Array();
        expect(compareArrays(reference, actual, toleranceFor(head)).ok, `batch ${batch}`).toBe(true);
      }
    } finally {
      session.dispose();
    }
  });

  it('creates no buffer or bind group per run after warm-up (counted on a wrapped device)', async () => {
    const { device } = await gpuDevice();
    const counts = { createBuffer: 0, createBindGroup: 0 };
    const wrapped = new Proxy(device, {
      get(target, key) {
        const value: unknown = Reflect.get(target, key);
        if (typeof value !== 'function') return value;
        const method = value as (...args: unknown[]) => unknown;
        if (key === 'createBuffer' || key === 'createBindGroup') {
          return (...args: unknown[]) => {
            counts[key] += 1;
            return method.apply(target, args);
          };
        }
        return method.bind(target);
      },
    });
    const session = await loadModel(seedMlp, wrapped);
    try {
      const fed = upload(device, x3);
      await session.run({ x: x3 });
      await session.runBatch([{ x: x3 }, { x: x5 }]);
      await session.run({ x: x5 });
      const before = { ...counts };
      for (let i = 0; i < 10; i++) await session.run({ x: i % 2 === 0 ? x3 : fed });
      await session.runBatch([{ x: x3 }, { x: x5 }]);
      expect(counts).toEqual(before);
      const kept: GPUBuffer[] = [];
      for (let i = 0; i < 10; i++) kept.push((await session.run({ x: fed }, { keepOnGpu: true })).logits ?? fed);
      // One buffer per output per keepOnGpu run: the results themselves.
      expect(counts).toEqual({ createBuffer: before.createBuffer + 10, createBindGroup: before.createBindGroup });
      for (const buffer of [...kept, fed]) buffer.destroy();
    } finally {
      session.dispose();
    }
  });
});
