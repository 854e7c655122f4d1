// src/nn-sequence.ts: nn.transformerEncoderLayer built from PyTorch's own state dict
// (test/fixtures/pytorch-seq/*.state.json) with a SYMBOLIC batch reproduces PyTorch's
// recorded outputs on the interpreter and the JS and WASM bundles; parameter names and
// shapes are PyTorch's; bad options are clear errors.

import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interpret.ts';
import { layerNorm, multiheadAttention, toGraph, transformerEncoderLayer, type WeightTensor } from '../../src/nn.ts';
import { TargetRunner } from '../conformance/targets.ts';
import { MAX_SEQ_RELATIVE_ERROR, PYTORCH_SEQ_DIR, readPytorchSeq, relativeError } from '../support/pytorch-seq-fixtures.ts';

const runner = new TargetRunner();
afterAll(() => runner.dispose());

function stateDict(name: string): Map<string, WeightTensor> {
  const raw = JSON.parse(readFileSync(new URL(`${name}.state.json`, PYTORCH_SEQ_DIR), 'utf8')) as Record<string, { shape: number[]; data: number[] }>;
  return new Map(Object.entries(raw).map(([key, t]) => [key, { shape: t.shape, data: Float32Array.from(t.data) }]));
}

const CASES = [
  { name: 'encoder_post_relu', options: { dimFeedforward: 64, activation: 'relu', normFirst: false } },
  { name: 'encoder_pre_gelu', options: { dimFeedforward: 64, activation: 'gelu', normFirst: true } },
] as const;

describe('nn.transformerEncoderLayer', () => {
  for (const { name, options } of CASES) {
    it(`${name}: PyTorch's weights, symbolic batch, interpreter/JS/WASM match PyTorch`, async () => {
      const { io } = readPytorchSeq(name);
      const graph = toGraph(transformerEncoderLayer(32, 4, options), { name, inputShape: ['N', 6, 32], weights: stateDict(name), outputName: 'y' });
      expect(graph.nodes.some((n) => n.op === 'attention')).toBe(true);
      expect(graph.nodes.filter((n) => n.op === 'layer_norm')).toHaveLength(2);
      const feeds = { x: Float32Array.from(io.input.data) };
      const want = io.outputs[0]?.data ?? [];
      expect(relativeError(want, interpret(graph, feeds)['y'])).toBeLessThanOrEqual(MAX_SEQ_RELATIVE_ERROR);
      for (const target of ['js', 'wasm'] as const) {
        const session = await runner.open(graph, target, 2);
        try {
          expect(relativeError(want, (await session.run(feeds))['y']), target).toBeLessThanOrEqual(MAX_SEQ_RELATIVE_ERROR);
          // One bundle, any batch: the first sample alone gives PyTorch's first row.
          const first = { x: feeds.x.slice(0, feeds.x.length / 2) };
          expect(relativeError(want.slice(0, want.length / 2), (await session.run(first))['y']), `${target} batch 1`).toBeLessThanOrEqual(MAX_SEQ_RELATIVE_ERROR);
        } finally {
          session.dispose();
        }
      }
    });
  }

  it("declares PyTorch's parameter names and shapes", () => {
    const names = transformerEncoderLayer(8, 2, { dimFeedforward: 16 }).parameters('layers.0').map((p) => `${p.name}:${p.spec.shape.join('x')}`);
    expect(names).toEqual([
      'layers.0.self_attn.in_proj_weight:24x8', 'layers.0.self_attn.in_proj_bias:24', 'layers.0.self_attn.out_proj.weight:8x8',
      'layers.0.self_attn.out_proj.bias:8', 'layers.0.linear1.weight:16x8', 'layers.0.linear1.bias:16', 'layers.0.linear2.weight:8x16',
      'layers.0.linear2.bias:8', 'layers.0.norm1.weight:8', 'layers.0.norm1.bias:8', 'layers.0.norm2.weight:8', 'layers.0.norm2.bias:8',
    ]);
    expect(layerNorm(8, { elementwiseAffine: false }).parameters('')).toEqual([]);
  });

  it('refuses what it cannot build', () => {
    expect(() => multiheadAttention(8, 3, { batchFirst: true })).toThrow(/divisible/);
    expect(() => multiheadAttention(8, 2)).toThrow(/batchFirst/);
    expect(() => toGraph(multiheadAttention(8, 2, { batchFirst: true }), { name: 'm', inputShape: ['N', 8] })).toThrow(/\[N, S, 8\]/);
  });
});
