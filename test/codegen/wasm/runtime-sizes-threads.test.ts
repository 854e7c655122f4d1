// Threads meet run-time sizes: a wasm bundle with several symbols splits its affine kernels
// (linear, layer_norm, softmax over the last axis) between threads and keeps its general ones
// whole; at 1, 2 and 3 threads it gives the same bytes, which agree with the interpreter at
// several (N, S). Fused attention over a symbolic key length splits too: thread 0 packs its keys
// into the region after the outputs, every other thread into a tail after its own scratch; the
// same layers over one symbol still run on two threads in a shared memory, byte for byte.

import { afterEach, describe, expect, it } from 'vitest';
import { lowerGraph } from '../../../codegen/lower.ts';
import { isRuntimeProgram, toRuntimeProgram } from '../../../codegen/runtime-program.ts';
import { CONTROL_BYTES } from '../../../codegen/wasm/memory-layout.ts';
import { emitWasmProgram, GENERAL_KINDS } from '../../../codegen/wasm/program.ts';
import type { Graph } from '../../../ir/graph.ts';
import { interpret, type Feeds } from '../../../ir/interpret.ts';
import { GraphBuilder, type Value } from '../../../src/builder.ts';
import { optimize } from '../../../src/passes/pipeline.ts';
import { Random } from '../../../src/random.ts';
import { compareArrays, toleranceFor } from '../../../src/tolerance.ts';
import { bundleFor, loadWasmBundle, type WasmSession } from './wasm-bundle.ts';

type Dims = Record<string, number>;
interface Session extends WasmSession {
  readonly threads: number;
  readonly threadsReason: string;
  runSync(feeds: Feeds, dims?: Dims): Record<string, Float32Array>;
  run(feeds: Feeds, dims?: Dims): Promise<Record<string, Float32Array>>;
  dispose(): Promise<void>;
}

const D = 32;
const open: Session[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((session) => session.dispose()));
});

/** Linear layers then a softmax over `axis`, over [lead..., S, D] inputs. */
function sequenceGraph(lead: readonly (string | number)[], axis: number): Graph {
  const random = new Random(7);
  const b = new GraphBuilder('seq');
  const x = b.input('x', [...lead, 'S', D]);
  const w = (name: string): Value => b.constant(random.uniformArray(D * D, -0.3, 0.3), [D, D], name);
  const h = b.linear(x, w('w1'), undefined, { op: 'relu', attrs: {} }, [], 'h');
  b.output(b.softmax(b.linear(h, w('w2')), axis, 'p'));
  return b.build();
}

async function load(graph: Graph, threads: number): Promise<{ session: Session; source: string }> {
  const optimized = optimize(graph);
  // splitMinFlops 0: every kernel that can split would, so an unsplit bundle is the path's doing.
  const bundle = bundleFor(optimized.graph, optimized.plan, { splitMinFlops: 0 });
  const session = (await loadWasmBundle(bundle, { threads })) as Session;
  open.push(session);
  const entry = bundle.files.find((file) => file.name === bundle.entry)?.contents;
  return { session, source: typeof entry === 'string' ? entry : '' };
}

function expectAgrees(graph: Graph, feeds: Feeds, dims: Dims, actual: Record<string, Float32Array>): void {
  const expected = interpret(graph, feeds, dims);
  for (const name of graph.outputs) {
    const want = expected[name] ?? new Float32Array();
    const got = actual[name] ?? new Float32Array();
    expect(got.length).toBe(want.length);
    const comparison = compareArrays(want, got, toleranceFor(graph));
    expect(comparison.ok, JSON.stringify(comparison.ok ? {} : comparison.mismatch)).toBe(true);
  }
}

describe('wasm threads with several symbols', () => {
  it('affine kernels split with run-time sizes, general ones stay whole, the same bytes at 1, 2, 3 threads', async () => {
    // [N, S, D]: linear, layer_norm and softmax over the last axis are affine (sizes from slots);
    // so is the softmax over S (outer and size counts from slots); n·nᵀ is general.
    const random = new Random(3);
    const b = new GraphBuilder('seq_rt');
    const x = b.input('x', ['N', 'S', D]);
    const w = (name: string): Value => b.constant(random.uniformArray(D * D, -0.3, 0.3), [D, D], name);
    const h = b.linear(x, w('w1'), undefined, { op: 'relu', attrs: {} }, [], 'h');
    const n = b.layerNorm(b.linear(h, w('w2')), b.constant(random.uniformArray(D, 0.5, 1.5), [D], 'g'), b.constant(random.uniformArray(D, -0.1, 0.1), [D], 'beta'), { axis: -1 }, 'n');
    b.output(b.softmax(n, -1, 'p'));
    b.output(b.softmax(b.linear(n, w('w3')), 1, 'q'));
    // Scores n·nᵀ over S × S per sample: a matmul with a run-time stride (general).
    b.output(b.matmul(n, b.transpose(n, [0, 2, 1]), 'r'));
    const graph = b.build();
    const optimized = optimize(graph);
    const projected = toRuntimeProgram(lowerGraph(optimized.graph, optimized.plan), 'wasm', GENERAL_KINDS);
    if (!isRuntimeProgram(projected)) throw new Error('expected run-time sizes');
    const wasm = emitWasmProgram(projected.affine, { relaxed: false, splitMinFlops: 0, runtime: projected });
    const forms = projected.kernels.map((item, index) => ({ kind: item.kernel.kind, form: item.form, split: wasm.splitFrom[index] }));
    // Every affine kernel splits (always: from batch 0), every general one never; none chained.
    expect(forms.filter((k) => k.form === 'affine').map((k) => k.kind)).toEqual(expect.arrayContaining(['linear', 'layer_norm', 'softmax']));
    expect(forms.some((k) => k.form === 'general')).toBe(true);
    for (const k of forms) expect([k.kind, k.split]).toEqual([k.kind, k.form === 'affine' ? 0 : undefined]);
    expect(wasm.threaded).toBe(true);
    expect(wasm.chained.some(Boolean)).toBe(false);
    // At the default threshold the layers of D = 32 are too small to split at the reference size.
    expect(emitWasmProgram(projected.affine, { relaxed: false, splitMinFlops: 1_000_000, runtime: projected }).threaded).toBe(false);

    const sessions = await Promise.all([1, 2, 3].map(async (threads) => (await load(graph, threads)).session));
    expect(sessions.map((s) => s.threads)).toEqual([1, 2, 3]);
    expect(sessions.slice(1).map((s) => s.threadsReason)).toEqual(['2 threads were asked for', '3 threads were asked for']);
    for (const [n, s] of [[1, 1], [3, 5], [2, 40], [4, 2], [1, 97]] as const) {
      const feeds = { x: new Random(n * 100 + s).uniformArray(n * s * D, -2, 2) };
      const [one, ...more] = await Promise.all(sessions.map((session) => session.run(feeds, { S: s })));
      if (one === undefined) throw new Error('no result');
      expectAgrees(graph, feeds, { S: s }, one);
      const sync = sessions[2]?.runSync(feeds, { S: s });
      for (const other of [...more, sync]) for (const name of graph.outputs) expect(other?.[name]).toEqual(one[name]);
    }
  });

  it('attention over a symbolic key length splits, each thread packing keys into a tail of its own', async () => {
    const b = new GraphBuilder('symbolic_keys');
    const [q, k, v] = ['q', 'k', 'v'].map((name) => b.input(name, ['N', 2, 'S', 8]));
    b.output(b.attention(q as Value, k as Value, v as Value, { scale: 0.35 }, 'out'));
    const graph = b.build();
    const optimized = optimize(graph);
    const projected = toRuntimeProgram(lowerGraph(optimized.graph, optimized.plan), 'wasm', GENERAL_KINDS);
    if (!isRuntimeProgram(projected)) throw new Error('expected run-time sizes');
    const wasm = emitWasmProgram(projected.affine, { relaxed: false, splitMinFlops: 0, runtime: projected });
    expect(wasm.splitFrom).toEqual([0]);
    expect(wasm.chained.some(Boolean)).toBe(false);
    const { tail, sizesAddress, arenaBase, controlAddress, scratchStride } = wasm.layout;
    expect(tail?.perSample).toBeGreaterThan(0);
    expect(sizesAddress).toBeGreaterThanOrEqual(controlAddress + CONTROL_BYTES + scratchStride);
    expect(tail?.fixed).toBeGreaterThanOrEqual(arenaBase);
    const sessions = await Promise.all([1, 2, 3].map(async (threads) => (await load(graph, threads)).session));
    expect(sessions.map((s) => s.threads)).toEqual([1, 2, 3]);
    // Long S first (the most memory), then short and long again: the tails move with the sizes.
    for (const [n, s] of [[1, 70], [1, 1], [2, 5], [3, 33], [1, 130]] as const) {
      const random = new Random(n * 31 + s);
      const feeds = { q: random.uniformArray(n * 2 * s * 8, -2, 2), k: random.uniformArray(n * 2 * s * 8, -2, 2), v: random.uniformArray(n * 2 * s * 8, -2, 2) };
      const [one, ...more] = await Promise.all(sessions.map((session) => session.run(feeds, { N: n, S: s })));
      if (one === undefined) throw new Error('no result');
      expectAgrees(graph, feeds, { N: n, S: s }, one);
      for (const other of more) expect(other['out']).toEqual(one['out']);
    }
  });

  it('the same layers over one symbol still split between two threads in a shared memory', async () => {
    const graph = sequenceGraph([], -1);
    const one = await load(graph, 1);
    const two = await load(graph, 2);
    expect(one.source).toContain('const SIZE_SLOTS = null;');
    expect([two.session.threads, two.session.threadsReason]).toEqual([2, '2 threads were asked for']);
    for (const s of [1, 6, 64]) {
      const feeds = { x: new Random(s).uniformArray(s * D, -2, 2) };
      const threaded = await two.session.run(feeds);
      expectAgrees(graph, feeds, { S: s }, threaded);
      expect(threaded['p']).toEqual((await one.session.run(feeds))['p']);
    }
  });
});
