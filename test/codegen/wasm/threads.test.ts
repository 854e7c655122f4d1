// Threaded wasm runs (issue 15): the same random graphs and feeds give the same bytes at 1, 2
// and 3 threads, and the single-thread bytes agree with the interpreter. Bundles are compiled
// with splitMinFlops 0 so every kernel that can split does, whatever its size; the register
// blocks, panel tails and scratch regions of linear, conv and attention are exercised on purpose. Every
// session is disposed (its workers ended) before the test ends.

import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { lowerGraph } from '../../../codegen/lower.ts';
import { toAffineProgram } from '../../../codegen/affine-kernels.ts';
import { emitWasmProgram } from '../../../codegen/wasm/program.ts';
import { PARALLEL_MIN_FLOPS } from '../../../codegen/wasm/threads.ts';
import type { Graph } from '../../../ir/graph.ts';
import type { Feeds } from '../../../ir/interpret.ts';
import type { MemoryPlan } from '../../../ir/memory-plan.ts';
import { staticSize, symbolOf } from '../../../ir/types.ts';
import { GraphBuilder } from '../../../src/builder.ts';
import { optimize } from '../../../src/passes/pipeline.ts';
import { Random } from '../../../src/random.ts';
import { arbGraphAndFeeds, assertGraphPropertyAsync, KERNEL_OPS } from '../../arbitraries.ts';
import { arbCnnCase } from '../cnn-cases.ts';
import { naivePlan } from '../naive-plan.ts';
import { bundleFor, expectAgrees, loadWasmBundle, type WasmSession } from './wasm-bundle.ts';

interface ThreadedSession extends WasmSession {
  readonly threads: number;
  readonly threadsReason: string;
  dispose(): Promise<void>;
}

const open: ThreadedSession[] = [];
/** Cases whose bundles split a kernel (the properties check that some do). */
let threadedCases = 0;

async function load(graph: Graph, plan: MemoryPlan, threads: number, splitMinFlops = 0): Promise<ThreadedSession> {
  const bundle = bundleFor(graph, plan, { splitMinFlops });
  const session = (await loadWasmBundle(bundle, { threads })) as ThreadedSession;
  open.push(session);
  const source = bundle.files.find((file) => file.name === bundle.entry)?.contents;
  // A bundle that can split runs on the threads it is given.
  if (typeof source === 'string' && source.includes('const THREADS_UNAVAILABLE = null;')) expect(session.threads).toBe(threads);
  return session;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((session) => session.dispose()));
});

function bytesOf(results: Record<string, Float32Array>): Record<string, string> {
  return Object.fromEntries(Object.entries(results).map(([name, data]) => [name, Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('hex')]));
}

/** Feeds for `batch` samples of every input (deterministic, in [-2, 2)). */
function feedsAt(graph: Graph, batch: number, seed: number): Feeds {
  return Object.fromEntries(graph.inputs.map((input, k) => {
    const count = staticSize(input.type.shape) * (symbolOf(input.type.shape) !== undefined ? batch : 1);
    return [input.name, new Random(seed + 31 * k).uniformArray(count, -2, 2)];
  }));
}

/**
 * Runs the graph single-threaded (runSync: the existing contract, checked against the
 * interpreter) and threaded at 2 and 3 threads (run), at the given feeds and again at a larger
 * batch in the same sessions (memory grows, the threads' scratch moves); all bytes equal.
 */
async function sameBytes(graph: Graph, plan: MemoryPlan, feeds: Feeds): Promise<void> {
  const sessions = [await load(graph, plan, 1), await load(graph, plan, 2), await load(graph, plan, 3)];
  if (sessions[2]?.threads === 3) threadedCases++;
  const batches = [feeds];
  if (graph.inputs.some((input) => symbolOf(input.type.shape) !== undefined)) batches.push(feedsAt(graph, 9, 5));
  for (const batch of batches) {
    const reference = sessions[0]?.runSync({ ...batch }) ?? {};
    expectAgrees(graph, { ...batch }, reference);
    for (const session of sessions) {
      expect(bytesOf(await session.run({ ...batch })), `${session.threads} threads`).toEqual(bytesOf(reference));
    }
  }
  await Promise.all(open.splice(0).map((session) => session.dispose()));
}

function linearGraph(inFeatures: number, widths: readonly number[], seed: number): Graph {
  const random = new Random(seed);
  const b = new GraphBuilder('threads_mlp');
  let h = b.input('x', ['N', inFeatures]);
  let k = inFeatures;
  widths.forEach((n, i) => {
    const w = b.constant(random.uniformArray(n * k, -0.5, 0.5), [n, k], `w${i}`);
    const bias = b.constant(random.uniformArray(n, -0.5, 0.5), [n], `b${i}`);
    h = b.op('linear', [h, w, bias], i < widths.length - 1 ? { activation: { op: 'relu', attrs: {} } } : {}, `h${i}`);
    k = n;
  });
  b.output(h);
  return b.build();
}

describe('threaded wasm runs', () => {
  it('say how many threads they use and why', async () => {
    const graph = linearGraph(40, [200, 10], 1);
    const plan = naivePlan(graph);
    const one = await load(graph, plan, 1);
    expect([one.threads, one.threadsReason]).toEqual([1, 'one thread was asked for']);
    const three = await load(graph, plan, 3);
    expect([three.threads, three.threadsReason]).toEqual([3, '3 threads were asked for']);
    const fallback = await load(graph, plan, 2, Number.POSITIVE_INFINITY);
    expect(fallback.threads).toBe(1);
    expect(fallback.threadsReason).toMatch(/no kernel of this graph is large enough/);
    vi.stubGlobal('SharedArrayBuffer', undefined);
    try {
      const isolated = (await loadWasmBundle(bundleFor(graph, plan, { splitMinFlops: 0 }), { threads: 2 })) as ThreadedSession;
      open.push(isolated);
      expect(isolated.threads).toBe(1);
      expect(isolated.threadsReason).toMatch(/SharedArrayBuffer is unavailable/);
      expect(bytesOf(await isolated.run({ x: feedsAt(graph, 3, 1)['x'] ?? new Float32Array() }))).toEqual(bytesOf(one.runSync({ x: feedsAt(graph, 3, 1)['x'] ?? new Float32Array() })));
    } finally {
      vi.unstubAllGlobals();
    }
    await expect(loadWasmBundle(bundleFor(graph, plan), { threads: 0 })).rejects.toThrow(/threads must be a positive integer/);
  });

  it('split linear by panels (wide layers) and by register blocks of rows (odd batches), same bytes', async () => {
    // 200 outputs: 12 full panels and a tail of 8 (panels split); 10 outputs: rows split.
    const graph = linearGraph(37, [200, 10], 2);
    for (const batch of [1, 2, 7, 64]) await sameBytes(graph, naivePlan(graph), feedsAt(graph, batch, batch));
    const optimized = optimize(graph);
    await sameBytes(optimized.graph, optimized.plan, feedsAt(graph, 5, 3));
    // The measured threshold: layer 1 splits from batch 63 on; below, run() stays on the caller.
    const measured = await load(graph, naivePlan(graph), 2, PARALLEL_MIN_FLOPS);
    for (const batch of [4, 100]) {
      const x = feedsAt(graph, batch, 6)['x'] ?? new Float32Array();
      expect(bytesOf(await measured.run({ x }))).toEqual(bytesOf(measured.runSync({ x })));
    }
  });

  it('run row chains of linear layers without barriers between them, same bytes', async () => {
    // Equal widths: the plan reuses buffers at the same width, so the whole MLP is one chain.
    const even = optimize(linearGraph(40, [64, 64, 64, 10], 7));
    const program = emitWasmProgram(toAffineProgram(lowerGraph(even.graph, even.plan), 'wasm'), { relaxed: false, splitMinFlops: 0 });
    expect(program.chained).toEqual([true, true, true, false]);
    // One chain judged as a whole: every kernel splits from the same batch.
    const measured = emitWasmProgram(toAffineProgram(lowerGraph(even.graph, even.plan), 'wasm'), { relaxed: false, splitMinFlops: PARALLEL_MIN_FLOPS });
    expect(new Set(measured.splitFrom).size).toBe(1);
    for (const batch of [1, 6, 33]) await sameBytes(even.graph, even.plan, feedsAt(even.graph, batch, batch));
    // A buffer reused at another width breaks the chain where a thread could overwrite rows another still reads.
    const uneven = optimize(linearGraph(37, [200, 64, 64, 10], 8));
    const broken = emitWasmProgram(toAffineProgram(lowerGraph(uneven.graph, uneven.plan), 'wasm'), { relaxed: false, splitMinFlops: 0 });
    expect(broken.chained.filter(Boolean).length).toBeLessThan(3);
    for (const batch of [5, 32]) await sameBytes(uneven.graph, uneven.plan, feedsAt(uneven.graph, batch, batch));
  });

  it('split conv by output channels (padded, pointwise, transposed, grouped) and depthwise by channels, same bytes', async () => {
    // Depthwise, 2 outputs per channel, stride 2, padded, bias and ReLU fused; 7 channels for 3 threads.
    const random = new Random(9);
    const b = new GraphBuilder('depthwise');
    const x = b.input('x', ['N', 7, 9, 11]);
    const w = b.constant(random.uniformArray(14 * 9, -1, 1), [14, 1, 3, 3], 'w');
    const bias = b.constant(random.uniformArray(14, -1, 1), [14], 'b');
    b.output(b.op('conv', [x, w, bias], { strides: [2, 2], pads: [1, 1, 1, 1], group: 7, activation: { op: 'relu', attrs: {} } }, 'y'));
    const depthwise = b.build();
    await sameBytes(depthwise, naivePlan(depthwise), feedsAt(depthwise, 2, 4));
    threadedCases = 0;
    for (const op of ['conv', 'conv_transpose'] as const) {
      await fc.assert(fc.asyncProperty(arbCnnCase(op), async ({ graph, feeds }) => sameBytes(graph, naivePlan(graph), feeds)), { numRuns: 8 });
    }
    expect(threadedCases).toBeGreaterThan(4);
  });

  it('split pooling and reductions (a plane axis), softmax and layer norm (rows), same bytes', async () => {
    const random = new Random(12);
    const b = new GraphBuilder('rows');
    const x = b.input('x', ['N', 6, 9, 10]);
    const pooled = b.maxPool(x, [3, 3], { strides: [2, 2], pads: [1, 1, 1, 1] }, 'pooled');
    const averaged = b.avgPool(x, [2, 3], { strides: [1, 2], pads: [0, 1, 0, 1], countIncludePad: true }, 'averaged');
    const scale = b.constant(random.uniformArray(10, 0.5, 1.5), [10], 'scale');
    const bias = b.constant(random.uniformArray(10, -1, 1), [10], 'bias');
    b.output(pooled, averaged, b.reduceMean(x, [1, 2, 3], false, 'mean'), b.reduceMax(x, [2], true, 'max_h'),
      b.softmax(x, 1, 'softmax_c'), b.softmax(x, -1, 'softmax_w'), b.layerNorm(x, scale, bias, { axis: -1 }, 'norm'));
    const graph = b.build();
    threadedCases = 0;
    for (const batch of [1, 2, 5]) await sameBytes(graph, naivePlan(graph), feedsAt(graph, batch, batch));
    expect(threadedCases).toBe(3);
  });

  it('split attention by each head\'s query rows (blocked and general kernels, masks), same bytes', async () => {
    for (const [sq, sk, d, dv] of [[9, 70, 16, 8], [6, 5, 128, 4], [7, 66, 6, 3]] as const) {
      const b = new GraphBuilder('heads');
      const q = b.input('q', ['N', 2, sq, d]);
      const k = b.input('k', ['N', 2, sk, d]);
      const v = b.input('v', ['N', 2, sk, dv]);
      const mask = b.input('mask', ['N', 1, sq, sk]);
      b.output(b.attention(q, k, v, { mask }, 'masked'), b.attention(q, k, v, {}, 'plain'));
      const graph = b.build();
      await sameBytes(graph, naivePlan(graph), feedsAt(graph, 2, sq));
    }
  });

  it('give the same bytes on random graphs of every op at 1, 2 and 3 threads', async () => {
    // Every op (pow aside, see wasm-differential.test.ts), linear drawn far more often.
    const ops = [...KERNEL_OPS.filter((op) => op !== 'pow'), ...Array.from({ length: 12 }, () => 'linear' as const)];
    const cases = arbGraphAndFeeds({ ops, maxWidth: 40, feeds: { batch: { min: 1, max: 5 }, edges: false } });
    threadedCases = 0;
    await assertGraphPropertyAsync(cases, async ({ graph, feeds }) => {
      const optimized = optimize(graph);
      await sameBytes(optimized.graph, optimized.plan, feeds);
    }, { numRuns: 15 });
    expect(threadedCases).toBeGreaterThan(0);
  });

  it('end their workers on dispose, after which runs are refused', async () => {
    const graph = linearGraph(16, [64], 4);
    const session = await load(graph, naivePlan(graph), 2);
    const x = feedsAt(graph, 4, 1)['x'] ?? new Float32Array();
    await session.run({ x });
    const [first, second] = [session.run({ x }), session.run({ x })];
    expect(bytesOf(await first)).toEqual(bytesOf(await second));
    await session.dispose();
    await expect(session.run({ x })).rejects.toThrow(/disposed/);
  });
});
