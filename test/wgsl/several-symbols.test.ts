// Several symbols on WebGPU: a token-wise model over [N, S, D] runs with N·S as the bundle's
// batch (maxBatch bounds the token count), and the sequence model with attention-like
// matmuls runs once S is fixed at compile time; both against the interpreter.

import { describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interpret.ts';
import { compile } from '../../src/compile.ts';
import { compareArrays, toleranceFor } from '../../src/tolerance.ts';
import { importBundle } from '../codegen/js/load-bundle.ts';
import { gpuDevice } from '../support/webgpu.ts';
import { sequenceFeeds, sequenceGraph, tokenFeeds, tokenGraph } from '../support/sequence-graph.ts';
import type { WgslSession } from './run-wgsl.ts';

interface WgslModule {
  load(options: { device: GPUDevice; maxBatch?: number }): Promise<WgslSession>;
}

describe('several symbols on WebGPU', () => {
  it('runs a token-wise model at several N and S from one bundle; maxBatch bounds N·S', async () => {
    const { device, description } = await gpuDevice();
    const graph = tokenGraph();
    const module = (await importBundle(compile(graph, { target: 'wgsl' }))) as unknown as WgslModule;
    const session = await module.load({ device, maxBatch: 32 });
    try {
      for (const [n, s] of [[1, 1], [2, 3], [4, 8]] as const) {
        const feeds = tokenFeeds(n, s);
        const expected = interpret(graph, feeds, { S: s })['p'] ?? new Float32Array();
        const actual = (await session.run({ ...feeds }))['p'] ?? new Float32Array();
        const comparison = compareArrays(expected, actual, toleranceFor(graph));
        expect(comparison.ok, `${description}, N=${n} S=${s}: ${JSON.stringify(comparison)}`).toBe(true);
      }
      await expect(session.run({ ...tokenFeeds(3, 11) })).rejects.toThrow(/maxBatch 32/);
    } finally {
      session.dispose();
    }
  });

  it('runs the sequence model with S fixed at compile time', async () => {
    const { device, description } = await gpuDevice();
    const graph = sequenceGraph();
    const module = (await importBundle(compile(graph, { target: 'wgsl', dims: { S: 6 } }))) as unknown as WgslModule;
    const session = await module.load({ device, maxBatch: 4 });
    try {
      for (const n of [1, 3]) {
        const feeds = sequenceFeeds(n, 6);
        const expected = interpret(graph, feeds, { S: 6 });
        const actual = await session.run({ ...feeds });
        for (const name of graph.outputs) {
          const comparison = compareArrays(expected[name] ?? new Float32Array(), actual[name] ?? new Float32Array(), toleranceFor(graph));
          expect(comparison.ok, `${description}, N=${n}, ${name}: ${JSON.stringify(comparison)}`).toBe(true);
        }
      }
    } finally {
      session.dispose();
    }
  });
});
