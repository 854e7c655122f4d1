// Several independent symbols on the wasm target: one bundle whose sizes are polynomials in N
// and S (run-time sizes, codegen/runtime-sizes.ts) runs at several (N, S) and agrees with the
// interpreter, on hand-built sequence graphs (softmax and mean pooling over S, transposes
// moving S, batched matmuls [N,H,S,S], layer_norm, attention-like blocks) and random graphs
// over [N, S, ...] inputs. Programs affine in one monomial keep the batch fast path.

import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../../ir/graph.ts';
import { interpret, type TypedFeeds as Feeds } from '../../../ir/interpret.ts';
import { compile } from '../../../src/compile.ts';
import { GraphBuilder, type Value } from '../../../src/builder.ts';
import { toGraph, transformerEncoderLayer, type WeightTensor } from '../../../src/nn.ts';
import { Random } from '../../../src/random.ts';
import { compareArrays, toleranceFor } from '../../../src/tolerance.ts';
import { arbGraphAndFeeds, assertGraphPropertyAsync, KERNEL_OPS } from '../../arbitraries.ts';
import { MAX_SEQ_RELATIVE_ERROR, PYTORCH_SEQ_DIR, readPytorchSeq, relativeError } from '../../support/pytorch-seq-fixtures.ts';
import { loadWasmBundle } from './wasm-bundle.ts';
import { compileUnlessRefused, entrySource } from '../../support/refused-compile.ts';
import { writeBundle } from '../js/load-bundle.ts';

type Dims = Record<string, number>;
interface DimsSession {
  runSync(feeds: Feeds, dims?: Dims): Record<string, Float32Array>;
  stream(options: object): { push(chunk: Feeds): Record<string, Float32Array> };
  dispose(): void;
}

const SIZES: readonly (readonly [number, number])[] = [[1, 1], [2, 3], [3, 17], [1, 64], [2, 5]];

async function sessionFor(graph: Graph): Promise<{ session: DimsSession; source: string }> {
  const bundle = compile(graph, { target: 'wasm' });
  const source = entrySource(bundle);
  return { session: (await loadWasmBundle(bundle)) as unknown as DimsSession, source };
}

function expectAgreement(graph: Graph, expected: Record<string, Float32Array>, actual: Record<string, Float32Array>, where: string): void {
  for (const name of graph.outputs) {
    const want = expected[name] ?? new Float32Array();
    const got = actual[name];
    if (got?.length !== want.length) throw new Error(`${where}: ${name} has ${got?.length} values, expected ${want.length}`);
    const comparison = compareArrays(want, got, toleranceFor(graph));
    if (!comparison.ok) throw new Error(`${where}: ${name} differs: ${JSON.stringify(comparison.mismatch)}`);
  }
}

/** Runs one bundle at every (N, S) of SIZES against the interpreter. */
async function agreesAtEverySize(graph: Graph, feedsAt: (n: number, s: number) => Feeds): Promise<string> {
  const { session, source } = await sessionFor(graph);
  try {
    for (const [n, s] of SIZES) {
      const feeds = feedsAt(n, s);
      expectAgreement(graph, interpret(graph, feeds, { S: s }), session.runSync(feeds, { S: s }), `N=${n} S=${s}`);
    }
  } finally {
    session.dispose();
  }
  return source;
}

function weights(random: Random, shape: readonly number[], b: GraphBuilder, name: string): Value {
  return b.constant(random.uniformArray(shape.reduce((p, d) => p * d, 1), -0.5, 0.5), [...shape], name);
}

const D = 16;
const xFeeds = (n: number, s: number): Feeds => ({ x: new Random(n * 1000 + s).uniformArray(n * s * D, -2, 2) });

describe('several symbols on the wasm target (run-time sizes)', () => {
  it('linear + softmax over S (and over N), mean pooling over S, a transpose moving S', async () => {
    const random = new Random(1);
    const b = new GraphBuilder('pool');
    const x = b.input('x', ['N', 'S', D]);
    const h = b.linear(x, weights(random, [D, D], b, 'w'), weights(random, [D], b, 'bias'), { op: 'relu', attrs: {} }, [], 'h');
    const p = b.softmax(h, 1, 'over_s');
    b.output(b.reduceMean(h, [1], false, 'pooled'), b.transpose(p, [0, 2, 1], 'moved'), b.reduceMax(b.transpose(x, [1, 0, 2]), [0], true, 'max_s'), b.softmax(x, 0, 'over_n'));
    const source = await agreesAtEverySize(b.build(), xFeeds);
    expect(source).toContain('const SIZE_SLOTS = [');
  });

  it('multi-head attention written out: batched matmuls [N,H,S,S], softmax, layer_norm', async () => {
    const random = new Random(2);
    const b = new GraphBuilder('attention');
    const x = b.input('x', ['N', 'S', D]);
    const split = (v: Value, name: string): Value => b.transpose(b.reshape(v, [0, 0, 4, 4]), [0, 2, 1, 3], name);
    const q = split(b.linear(x, weights(random, [D, D], b, 'wq')), 'q');
    const k = split(b.linear(x, weights(random, [D, D], b, 'wk')), 'k');
    const v = split(b.linear(x, weights(random, [D, D], b, 'wv')), 'v');
    const scores = b.mul(b.matmul(q, b.transpose(k, [0, 1, 3, 2])), b.constant(new Float32Array([0.5]), [1]), 'scores');
    const mixed = b.matmul(b.softmax(scores, -1, 'weights'), v, 'mixed');
    const merged = b.reshape(b.transpose(mixed, [0, 2, 1, 3]), [0, 0, -1], 'merged');
    const attended = b.linear(merged, weights(random, [D, D], b, 'wo'), weights(random, [D], b, 'bo'));
    const normed = b.layerNorm(b.add(x, attended), weights(random, [D], b, 'g'), weights(random, [D], b, 'beta'), { epsilon: 1e-5 }, 'y');
    b.output(normed);
    await agreesAtEverySize(b.build(), xFeeds);
  });

  it("a PyTorch encoder layer (its own weights) over [N, S, 32]: matches PyTorch at S = 6 and the interpreter at other S", async () => {
    for (const [name, options] of [['encoder_post_relu', { dimFeedforward: 64, activation: 'relu', normFirst: false }], ['encoder_pre_gelu', { dimFeedforward: 64, activation: 'gelu', normFirst: true }]] as const) {
      const raw = JSON.parse(readFileSync(new URL(`${name}.state.json`, PYTORCH_SEQ_DIR), 'utf8')) as Record<string, { shape: number[]; data: number[] }>;
      const state = new Map<string, WeightTensor>(Object.entries(raw).map(([key, t]) => [key, { shape: t.shape, data: Float32Array.from(t.data) }]));
      const graph = toGraph(transformerEncoderLayer(32, 4, options), { name, inputShape: ['N', 'S', 32], weights: state, outputName: 'y' });
      // One fused attention over the symbolic S (never the [N, 4, S, S] scores).
      expect(graph.nodes.filter((n) => n.op === 'attention').map((n) => n.type.shape)).toEqual([['N', 4, 'S', 8]]);
      expect(graph.nodes.some((n) => n.op === 'softmax')).toBe(false);
      const { io } = readPytorchSeq(name);
      const { session } = await sessionFor(graph);
      try {
        const recorded = { x: Float32Array.from(io.input.data) };
        expect(relativeError(io.outputs[0]?.data ?? [], session.runSync(recorded, { N: 2 })['y']), name).toBeLessThanOrEqual(MAX_SEQ_RELATIVE_ERROR);
        for (const [n, s] of [[1, 1], [3, 9], [1, 40]] as const) {
          const feeds = { x: new Random(n + s).uniformArray(n * s * 32, -2, 2) };
          expectAgreement(graph, interpret(graph, feeds, { S: s }), session.runSync(feeds, { S: s }), `${name} N=${n} S=${s}`);
        }
      } finally {
        session.dispose();
      }
    }
  });

  it('an embedding of i32 ids [N, S], mean pooled over S; a bad id is the JS bundle\'s error, at its [n, s]', async () => {
    const random = new Random(4);
    const b = new GraphBuilder('embed');
    const ids = b.input('ids', ['N', 'S'], 'i32');
    const table = weights(random, [20, D], b, 'table');
    const pooled = b.reduceMean(b.gather(table, ids, 0, 'embedded'), [1], false, 'pooled');
    b.output(b.linear(pooled, weights(random, [3, D], b, 'head'), undefined, undefined, [], 'logits'));
    const graph = b.build();
    const idsAt = (n: number, s: number): Feeds => ({ ids: Int32Array.from({ length: n * s }, (_, i) => (i * 7 + n) % 20) });
    await agreesAtEverySize(graph, idsAt);
    const { session } = await sessionFor(graph);
    const bad = Int32Array.from({ length: 2 * 5 }, () => 1);
    bad[7] = 20;
    expect(() => session.runSync({ ids: bad }, { S: 5 })).toThrow("fusegraph: id 20 at position [1, 2] of %ids is outside [-20, 20)");
    session.dispose();
  });

  it('a linear, then a per-sample [N, 1, D] input broadcast over S', async () => {
    const random = new Random(5);
    const b = new GraphBuilder('conditioned');
    const x = b.input('x', ['N', 'S', D]);
    const c = b.input('c', ['N', 1, D]);
    b.output(b.relu(b.add(b.linear(x, weights(random, [D, D], b, 'w'), weights(random, [D], b, 'bias')), c), 'y'));
    const graph = b.build();
    const source = await agreesAtEverySize(graph, (n, s) => ({ ...xFeeds(n, s), c: new Random(n).uniformArray(n * D, -1, 1) }));
    expect(source).toContain('const SIZE_SLOTS = [');
  });

  it('slices, pads and concats along D of a transposed [N, D, S] (a symbol inside the gather)', async () => {
    const b = new GraphBuilder('gathers');
    const moved = b.transpose(b.input('x', ['N', 'S', D]), [0, 2, 1], 'moved');
    const sliced = b.slice(moved, { starts: [2], ends: [11], axes: [1], steps: [3] }, 'sliced');
    const padded = b.pad(moved, [0, 1, 0, 0, 2, 0], 'reflect', 0, 'padded');
    const joined = b.concat([sliced, moved, b.pad(sliced, [0, 2, 0, 0, 0, 0], 'constant', -1)], 1, 'joined');
    b.output(sliced, padded, joined);
    await agreesAtEverySize(b.build(), xFeeds);
  });

  it('the relaxed-SIMD module takes run-time sizes too (in a child node that has relaxed SIMD)', () => {
    const random = new Random(6);
    const b = new GraphBuilder('relaxed');
    const x = b.input('x', ['N', 'S', D]);
    const h = b.linear(x, weights(random, [D, D], b, 'w'));
    b.output(b.matmul(h, b.transpose(x, [0, 2, 1]), 'scores'));
    const graph = b.build();
    const bundle = compile(graph, { target: 'wasm', wasm: { relaxed: true } });
    const dir = writeBundle(bundle);
    const feeds = xFeeds(2, 7);
    const data = feeds['x'] as Float32Array;
    writeFileSync(join(dir, 'x.bin'), new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    writeFileSync(join(dir, 'runner.mjs'), [
      `import { load } from "./${bundle.entry}";`,
      'import { readFileSync } from "node:fs";',
      'const bytes = readFileSync(new URL("./x.bin", import.meta.url));',
      'const x = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));',
      'const session = await load();',
      'process.stdout.write(JSON.stringify({ relaxed: session.relaxedSimd, scores: Array.from(session.runSync({ x }, { S: 7 }).scores) }));',
    ].join('\n'));
    const flag = '--experimental-wasm-relaxed-simd';
    const flags = spawnSync(process.execPath, [flag, '-e', '0']).status === 0 ? [flag] : [];
    const child = JSON.parse(execFileSync(process.execPath, [...flags, join(dir, 'runner.mjs')], { encoding: 'utf8' })) as { relaxed: boolean; scores: number[] };
    expect(child.relaxed).toBe(true);
    expectAgreement(graph, interpret(graph, feeds, { S: 7 }), { scores: Float32Array.from(child.scores) }, 'relaxed N=2 S=7');
  });

  it('streams: the state goes through the result arrays, each chunk against the interpreter', async () => {
    const random = new Random(7);
    const b = new GraphBuilder('stateful');
    const x = b.input('x', ['N', 'S', 4]);
    const h = b.input('h', ['N', 4]);
    const hn = b.tanh(b.add(b.linear(b.reduceMean(x, [1], false), weights(random, [4, 4], b, 'w')), h), 'hn');
    b.output(hn, b.softmax(x, 1, 'y'));
    const graph = b.build();
    const { session } = await sessionFor(graph);
    const stream = session.stream({ state: { hn: 'h' }, batch: 2, dims: { S: 3 } });
    let state: Float32Array = new Float32Array(8);
    for (let chunk = 0; chunk < 3; chunk++) {
      const feeds = { x: new Random(chunk).uniformArray(2 * 3 * 4, -1, 1) };
      const expected = interpret(graph, { ...feeds, h: state }, { S: 3 });
      expectAgreement(graph, expected, stream.push(feeds), `chunk ${chunk}`);
      state = expected['hn'] ?? new Float32Array();
    }
    session.dispose();
  });

  it('keeps the batch fast path for a program affine in one monomial', async () => {
    const random = new Random(3);
    const b = new GraphBuilder('tokens');
    const x = b.input('x', ['N', 'S', D]);
    b.output(b.softmax(b.linear(x, weights(random, [D, D], b, 'w')), -1, 'p'));
    const { session, source } = await sessionFor(b.build());
    session.dispose();
    expect(source).toContain('const SIZE_SLOTS = null;');
  });

  it('binds S from dims when the lengths cannot tell N and S apart, and says so otherwise', async () => {
    const b = new GraphBuilder('moved');
    b.output(b.transpose(b.input('x', ['N', 'S', D]), [0, 2, 1], 'y'));
    const { session } = await sessionFor(b.build());
    const feeds = xFeeds(2, 3);
    expect(() => session.runSync(feeds)).toThrow('fusegraph: input "x" of shape [N,S,16] leaves N and S undetermined');
    expect(session.runSync(feeds, { N: 2 })['y']).toEqual(session.runSync(feeds, { S: 3 })['y']);
    expect(() => session.runSync({ x: new Float32Array(7 * D) }, { S: 2 })).toThrow('fusegraph: input "x" needs a whole, positive number of samples of 32 values, got 112 (with S = 2 from the dims argument)');
    session.dispose();
  });

  it('agrees with the interpreter on random graphs over [N, S, ...] inputs', async () => {
    let runtimeCases = 0;
    // Edge values but no huge finite ones (±1e30): the interpreter's matmul sums in f64, wasm's
    // in f32, which overflow apart (wasm-differential.test.ts leaves contractions out of those runs).
    const edgeValues = [0, -0, 1, -1, NaN, Infinity, -Infinity];
    const cases = arbGraphAndFeeds({ ops: KERNEL_OPS, maxWidth: 12, symbols: ['N', 'S'], feeds: { batch: { min: 1, max: 3 }, sequence: { min: 1, max: 5 }, edgeValues } });
    await assertGraphPropertyAsync(cases, async ({ graph, feeds, dims }) => {
      const bundle = compileUnlessRefused(graph, 'wasm', /the wasm target takes several symbols, but not yet/);
      if (bundle === undefined) return;
      const session = (await loadWasmBundle(bundle)) as unknown as DimsSession;
      if (!entrySource(bundle).includes('const SIZE_SLOTS = null;')) runtimeCases++;
      try {
        expectAgreement(graph, interpret(graph, feeds, dims), session.runSync({ ...feeds }, dims), JSON.stringify(dims));
      } finally {
        session.dispose();
      }
    }, { numRuns: 60 });
    // Most cases are affine in one monomial (token-wise ops); the rest must run, not be skipped.
    expect(runtimeCases).toBeGreaterThan(0);
  });
});
