// Several independent symbols on WebGPU: one WGSL bundle whose sizes are polynomials in N and
// S (run-time sizes in the uniform, dispatch sizes computed per call) runs at several (N, S)
// against the interpreter; load({ maxSizes }) bounds each symbol, and without it the buffers
// grow on demand.

import { describe, expect, it } from 'vitest';
import type { Graph } from '../../ir/graph.ts';
import { interpret, type Feeds } from '../../ir/interpret.ts';
import { compile } from '../../src/compile.ts';
import { importOnnx } from '../../src/frontends/onnx/import.ts';
import { GraphBuilder } from '../../src/builder.ts';
import { compareArrays, toleranceFor } from '../../src/tolerance.ts';
import { importBundle } from '../codegen/js/load-bundle.ts';
import { gpuDevice } from '../support/webgpu.ts';
import { sequenceFeeds, sequenceGraph } from '../support/sequence-graph.ts';
import { compileUnlessRefused, entrySource } from '../support/refused-compile.ts';
import { readFileSync } from 'node:fs';
import { toGraph, transformerEncoderLayer, type WeightTensor } from '../../src/nn.ts';
import { Random } from '../../src/random.ts';
import { arbGraphAndFeeds, assertGraphPropertyAsync, FINITE_EDGES, KERNEL_OPS } from '../arbitraries.ts';
import { MAX_SEQ_RELATIVE_ERROR, PYTORCH_SEQ_DIR, readPytorchSeq, relativeError } from '../support/pytorch-seq-fixtures.ts';

interface DimsSession {
  run(feeds: Feeds, dims?: Record<string, number>): Promise<Record<string, Float32Array>>;
  dispose(): void;
}
interface WgslModule {
  load(options: { device: GPUDevice; maxSizes?: Record<string, number>; maxBatch?: number }): Promise<DimsSession>;
}

async function moduleFor(graph: Graph): Promise<WgslModule> {
  return (await importBundle(compile(graph, { target: 'wgsl' }))) as unknown as WgslModule;
}

async function agrees(session: DimsSession, graph: Graph, n: number, s: number, where: string): Promise<void> {
  const feeds = sequenceFeeds(n, s);
  const expected = interpret(graph, feeds, { S: s });
  const actual = await session.run({ ...feeds }, { S: s });
  for (const name of graph.outputs) {
    const comparison = compareArrays(expected[name] ?? new Float32Array(), actual[name] ?? new Float32Array(), toleranceFor(graph));
    expect(comparison.ok, `${where}, N=${n} S=${s}, ${name}: ${JSON.stringify(comparison)}`).toBe(true);
  }
}

describe('several symbols on WebGPU (run-time sizes)', () => {
  it('runs the sequence model (softmax and mean over S, transposes, [N,4,S,S] matmuls) at several N and S, growing its buffers', async () => {
    const { device, description } = await gpuDevice();
    const graph = sequenceGraph();
    const session = await (await moduleFor(graph)).load({ device });
    try {
      for (const [n, s] of [[1, 1], [2, 3], [3, 17], [1, 40], [2, 5]] as const) await agrees(session, graph, n, s, description);
    } finally {
      session.dispose();
    }
  });

  it('load({ maxSizes }) bounds each symbol and names the one a run exceeds', async () => {
    const { device, description } = await gpuDevice();
    const graph = sequenceGraph();
    const module = await moduleFor(graph);
    await expect(module.load({ device, maxBatch: 4 })).rejects.toThrow('fusegraph: this model has several symbols (N, S): bound them with load({ maxSizes }) instead of maxBatch');
    const session = await module.load({ device, maxSizes: { N: 2, S: 8 } });
    try {
      await agrees(session, graph, 2, 8, description);
      await expect(session.run({ ...sequenceFeeds(1, 9) }, { S: 9 })).rejects.toThrow('fusegraph: S = 9 exceeds the maxSizes.S 8 given to load()');
    } finally {
      session.dispose();
    }
  });

  it('an embedding of i32 ids [N, S] mean pooled over S; a bad id is checked on the host at its [n, s]', async () => {
    const { device, description } = await gpuDevice();
    const random = new Random(4);
    const b = new GraphBuilder('embed');
    const ids = b.input('ids', ['N', 'S'], 'i32');
    const table = b.constant(random.uniformArray(20 * 8, -1, 1), [20, 8], 'table');
    b.output(b.reduceMean(b.gather(table, ids, 0, 'embedded'), [1], false, 'pooled'));
    const graph = b.build();
    const session = (await (await moduleFor(graph)).load({ device })) as unknown as { run(f: object, d: object): Promise<Record<string, Float32Array>>; dispose(): void };
    try {
      for (const [n, s] of [[1, 3], [2, 7]] as const) {
        const feeds = { ids: Int32Array.from({ length: n * s }, (_, i) => (i * 7 + n) % 20 - 10) };
        const comparison = compareArrays(interpret(graph, feeds, { S: s })['pooled'] ?? new Float32Array(), (await session.run(feeds, { S: s }))['pooled'] ?? new Float32Array(), toleranceFor(graph));
        expect(comparison.ok, `${description}, N=${n} S=${s}: ${JSON.stringify(comparison)}`).toBe(true);
      }
      const bad = Int32Array.from({ length: 10 }, () => 1);
      bad[7] = 20;
      await expect(session.run({ ids: bad }, { S: 5 })).rejects.toThrow('fusegraph: id 20 at position [1, 2] of %ids is outside [-20, 20)');
    } finally {
      session.dispose();
    }
  });

  it('slices, pads and concats along D of a transposed [N, D, S] (a symbol inside the gather)', async () => {
    const { device, description } = await gpuDevice();
    const b = new GraphBuilder('gathers');
    const moved = b.transpose(b.input('x', ['N', 'S', 8]), [0, 2, 1], 'moved');
    const sliced = b.slice(moved, { starts: [1], ends: [8], axes: [1], steps: [3] }, 'sliced');
    const padded = b.pad(moved, [0, 1, 0, 0, 2, 0], 'reflect', 0, 'padded');
    const joined = b.concat([sliced, moved, b.pad(sliced, [0, 2, 0, 0, 0, 0], 'constant', -1)], 1, 'joined');
    b.output(sliced, padded, joined);
    const graph = b.build();
    const session = await (await moduleFor(graph)).load({ device });
    try {
      for (const [n, s] of [[1, 2], [3, 5]] as const) await agrees(session, graph, n, s, description);
    } finally {
      session.dispose();
    }
  });

  it('streams: the state goes through the result arrays, each chunk against the interpreter', async () => {
    const { device, description } = await gpuDevice();
    const b = new GraphBuilder('stateful');
    const x = b.input('x', ['N', 'S', 4]);
    const h = b.input('h', ['N', 4]);
    const w = b.constant(new Random(7).uniformArray(16, -0.5, 0.5), [4, 4], 'w');
    b.output(b.tanh(b.add(b.linear(b.reduceMean(x, [1], false), w), h), 'hn'), b.softmax(x, 1, 'y'));
    const graph = b.build();
    const session = (await (await moduleFor(graph)).load({ device })) as unknown as DimsSession & { stream(o: object): { push(c: Feeds): Promise<Record<string, Float32Array>> } };
    try {
      const stream = session.stream({ state: { hn: 'h' }, batch: 2, dims: { S: 3 } });
      let state: Float32Array = new Float32Array(8);
      for (let chunk = 0; chunk < 3; chunk++) {
        const feeds = { x: new Random(chunk).uniformArray(2 * 3 * 4, -1, 1) };
        const expected = interpret(graph, { ...feeds, h: state }, { S: 3 });
        const actual = await stream.push(feeds);
        for (const name of graph.outputs) {
          const comparison = compareArrays(expected[name] ?? new Float32Array(), actual[name] ?? new Float32Array(), toleranceFor(graph));
          expect(comparison.ok, `${description}, chunk ${chunk}, ${name}: ${JSON.stringify(comparison)}`).toBe(true);
        }
        state = expected['hn'] ?? new Float32Array();
      }
    } finally {
      session.dispose();
    }
  });

  it("a PyTorch encoder layer (its own weights) over [N, S, 32] matches PyTorch at S = 6 and the interpreter at S = 11", async () => {
    const { device, description } = await gpuDevice();
    const name = 'encoder_post_relu';
    const raw = JSON.parse(readFileSync(new URL(`${name}.state.json`, PYTORCH_SEQ_DIR), 'utf8')) as Record<string, { shape: number[]; data: number[] }>;
    const state = new Map<string, WeightTensor>(Object.entries(raw).map(([key, t]) => [key, { shape: t.shape, data: Float32Array.from(t.data) }]));
    const graph = toGraph(transformerEncoderLayer(32, 4, { dimFeedforward: 64 }), { name, inputShape: ['N', 'S', 32], weights: state, outputName: 'y' });
    const { io } = readPytorchSeq(name);
    const session = await (await moduleFor(graph)).load({ device });
    try {
      const recorded = await session.run({ x: Float32Array.from(io.input.data) }, { N: 2 });
      expect(relativeError(io.outputs[0]?.data ?? [], recorded['y']), description).toBeLessThanOrEqual(MAX_SEQ_RELATIVE_ERROR);
      const feeds = { x: new Random(5).uniformArray(3 * 11 * 32, -2, 2) };
      const comparison = compareArrays(interpret(graph, feeds, { S: 11 })['y'] ?? new Float32Array(), (await session.run(feeds, { S: 11 }))['y'] ?? new Float32Array(), toleranceFor(graph));
      expect(comparison.ok, `${description}: ${JSON.stringify(comparison)}`).toBe(true);
    } finally {
      session.dispose();
    }
  });

  it('the PyTorch encoder exported with a symbolic S (test/fixtures/pytorch-seq-dyn) matches PyTorch at S = 6 and the interpreter at S = 3', async () => {
    const { device, description } = await gpuDevice();
    const dir = new URL('../fixtures/pytorch-seq-dyn/', import.meta.url);
    const graph = importOnnx(readFileSync(new URL('encoder_post_relu_dyn_seq.onnx', dir)));
    const io = JSON.parse(readFileSync(new URL('encoder_post_relu_dyn_seq.io.json', dir), 'utf8')) as { input: { data: number[] }; outputs: { data: number[] }[] };
    const session = await (await moduleFor(graph)).load({ device });
    try {
      expect(relativeError(io.outputs[0]?.data ?? [], (await session.run({ x: Float32Array.from(io.input.data) }))['y']), description).toBeLessThanOrEqual(MAX_SEQ_RELATIVE_ERROR);
      const feeds = { x: new Random(3).uniformArray(2 * 3 * 32, -2, 2) };
      const comparison = compareArrays(interpret(graph, feeds)['y'] ?? new Float32Array(), (await session.run(feeds))['y'] ?? new Float32Array(), toleranceFor(graph));
      expect(comparison.ok, `${description}: ${JSON.stringify(comparison)}`).toBe(true);
    } finally {
      session.dispose();
    }
  });

  it('agrees with the interpreter on random graphs over [N, S, ...] that need run-time sizes', async () => {
    const { device, description } = await gpuDevice();
    // As the WGSL differential test: no ops that make NaN/±Inf from finite inputs, no subnormals,
    // edge values 0, ±1 only.
    const EDGES = FINITE_EDGES.filter((value) => Math.abs(value) <= 1);
    const ops = KERNEL_OPS.filter((op) => op !== 'sqrt' && op !== 'reciprocal' && op !== 'pow');
    let runtimeCases = 0;
    const cases = arbGraphAndFeeds({ ops, maxWidth: 12, symbols: ['N', 'S'], feeds: { batch: { min: 1, max: 3 }, sequence: { min: 1, max: 5 }, subnormals: false, edgeValues: EDGES } });
    await assertGraphPropertyAsync(cases, async ({ graph, feeds, dims }) => {
      const bundle = compileUnlessRefused(graph, 'wgsl', /the WGSL target takes several symbols, but not yet/);
      if (bundle === undefined || !entrySource(bundle).includes('const SIZE_SLOTS = [')) return;
      runtimeCases++;
      const session = await ((await importBundle(bundle)) as unknown as WgslModule).load({ device });
      try {
        const expected = interpret(graph, feeds, dims);
        const actual = await session.run({ ...feeds }, dims);
        for (const name of graph.outputs) {
          const comparison = compareArrays(expected[name] ?? new Float32Array(), actual[name] ?? new Float32Array(), toleranceFor(graph));
          expect(comparison.ok, `${description}, ${JSON.stringify(dims)}, ${name}: ${JSON.stringify(comparison)}`).toBe(true);
        }
      } finally {
        session.dispose();
      }
    }, { numRuns: 40 });
    expect(runtimeCases).toBeGreaterThan(0);
  }, 240_000);
});
