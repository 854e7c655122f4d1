// Splitting the weights to fit the limits: with limits shrunk to a few KiB, constants are
// packed into several chunks, each kernel binds only the window that holds its own weights,
// and the bundle still computes what the interpreter computes. What cannot be split (one
// constant, or one kernel's weights, larger than a binding) is a CompileError.

import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, type WgslLimits } from '../../codegen/wgsl/limits.ts';
import { emitWgsl, wgslProgram } from '../../codegen/wgsl/target.ts';
import { CompileError } from '../../ir/errors.ts';
import { interpret } from '../../ir/interpret.ts';
import { GraphBuilder } from '../../src/builder.ts';
import { Random } from '../../src/random.ts';
import { compareArrays, toleranceFor } from '../../src/tolerance.ts';
import { importBundle } from '../codegen/js/load-bundle.ts';
import { naivePlan } from '../codegen/naive-plan.ts';
import { compilationMessages, gpuDevice } from '../support/webgpu.ts';
import type { WgslSession } from './run-wgsl.ts';

/** 1024 floats per buffer and per binding. */
const SMALL: WgslLimits = { ...DEFAULT_LIMITS, maxBufferSize: 4096, maxStorageBufferBindingSize: 4096 };

function mlp(layers: readonly (readonly [number, number])[]): ReturnType<GraphBuilder['build']> {
  const random = new Random(9);
  const b = new GraphBuilder('windows');
  let x = b.input('x', ['N', layers[0]?.[0] ?? 1]);
  for (const [inputs, outputs] of layers) {
    const w = b.constant(random.uniformArray(inputs * outputs, -0.5, 0.5), [outputs, inputs]);
    const bias = b.constant(random.uniformArray(outputs, -0.5, 0.5), [outputs]);
    x = b.linear(x, w, bias, { op: 'tanh', attrs: {} });
  }
  b.output(x);
  return b.build();
}

describe('WGSL weight chunks and windows', () => {
  it('spreads weights over chunks and binds each kernel\'s window', async () => {
    const graph = mlp([[40, 20], [20, 20], [20, 30], [30, 5]]);
    const plan = naivePlan(graph);
    const { layout, shaders } = wgslProgram(graph, plan, SMALL);
    expect(layout.constChunks.length).toBeGreaterThan(1);
    const windows = shaders.flatMap((shader) => (shader.consts === undefined ? [] : [shader.consts]));
    expect(new Set(windows.map((window) => window.chunk)).size).toBeGreaterThan(1);
    expect(windows.some((window) => window.offset > 0)).toBe(true);
    const { device } = await gpuDevice();
    for (const shader of shaders) expect(await compilationMessages(device, shader.code)).toEqual([]);
    const module = (await importBundle(emitWgsl(graph, plan, {}, SMALL))) as unknown as { load(o: object): Promise<WgslSession> };
    const session = await module.load({ device, maxBatch: 4 });
    try {
      const x = new Random(2).uniformArray(3 * 40, -1, 1);
      const expected = interpret(graph, { x });
      const actual = await session.run({ x });
      for (const name of graph.outputs) {
        const comparison = compareArrays(expected[name] ?? new Float32Array(), actual[name] ?? new Float32Array(), toleranceFor(graph));
        expect(comparison.ok, JSON.stringify(comparison)).toBe(true);
      }
    } finally {
      session.dispose();
    }
  });

  it('rejects a constant larger than one binding', () => {
    const graph = mlp([[40, 30]]);
    expect(() => wgslProgram(graph, naivePlan(graph), SMALL)).toThrow(CompileError);
    expect(() => wgslProgram(graph, naivePlan(graph), SMALL)).toThrow(/maxStorageBufferBindingSize/);
  });
});
