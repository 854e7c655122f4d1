// Compile-time checks against WebGPU's default limits: tile choices stay within the
// compatibility-mode workgroup limits, the largest batch is derived from the binding size,
// and a model that cannot fit is a CompileError, not a device error at run time.

import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../codegen/wgsl/limits.ts';
import { wgslProgram } from '../../codegen/wgsl/target.ts';
import { CompileError } from '../../ir/errors.ts';
import { GraphBuilder } from '../../src/builder.ts';
import { naivePlan } from '../codegen/naive-plan.ts';
import { prepared } from './run-wgsl.ts';

function mlp(inFeatures: number, outFeatures: number, rows: number | 'N'): ReturnType<GraphBuilder['build']> {
  const b = new GraphBuilder('mlp');
  const x = b.input('x', [rows, inFeatures]);
  const w = b.constant(new Float32Array(inFeatures * outFeatures), [outFeatures, inFeatures]);
  b.output(b.linear(x, w, undefined, { op: 'relu', attrs: {} }));
  return b.build();
}

describe('WGSL limits', () => {
  it('keeps every linear tile inside the compatibility-mode workgroup limits', () => {
    for (const [k, n, rows] of [[784, 128, 'N'], [1, 1, 1], [4096, 4096, 'N'], [3, 70, 2], [64, 17, 30]] as const) {
      const graph = mlp(k, n, rows);
      for (const shader of wgslProgram(graph, naivePlan(graph)).shaders) {
        expect(shader.invocations).toBeLessThanOrEqual(DEFAULT_LIMITS.maxComputeInvocationsPerWorkgroup);
        expect(shader.workgroupBytes).toBeLessThanOrEqual(DEFAULT_LIMITS.maxComputeWorkgroupStorageSize);
      }
    }
  });

  it('derives the largest batch from the storage binding size', () => {
    const graph = mlp(784, 128, 'N');
    const { maxBatchLimit, layout } = wgslProgram(graph, naivePlan(graph));
    const bytes = (batch: number): number => 4 * (layout.dataSize.perSample * batch + layout.dataSize.fixed);
    expect(bytes(maxBatchLimit)).toBeLessThanOrEqual(DEFAULT_LIMITS.maxStorageBufferBindingSize);
    expect(bytes(maxBatchLimit + 1)).toBeGreaterThan(DEFAULT_LIMITS.maxStorageBufferBindingSize);
  });

  it('rejects a model whose single sample does not fit a storage binding', () => {
    const b = new GraphBuilder('huge');
    const x = b.input('x', ['N', 40_000_000]);
    b.output(b.op('relu', [x]));
    const graph = b.build();
    const target = prepared(graph, 'unoptimized');
    expect(() => wgslProgram(target.graph, target.plan)).toThrow(CompileError);
    expect(() => wgslProgram(target.graph, target.plan)).toThrow(/maxStorageBufferBindingSize|storage binding/);
  });
});
