// The CNN kernels on the WGSL target (conv in its tiled, depthwise and direct shaders, the
// reduce, gather and resize shaders) against the interpreter, each shader compiled cleanly.
// Small shapes (SwiftShader compiles every pipeline on the CPU); several ops share one graph so
// that a bundle is loaded once per group, at batch 1 and 3.

import { describe, expect, it } from 'vitest';
import type { Graph } from '../../ir/graph.ts';
import { interpret, type Feeds } from '../../ir/interpret.ts';
import type { Attrs } from '../../ir/ops/index.ts';
import { sizeOf } from '../../ir/types.ts';
import { GraphBuilder, type Value } from '../../src/builder.ts';
import { Random } from '../../src/random.ts';
import { compareArrays, TOLERANCE_BY_KIND, toleranceForF32Sums, type Tolerance } from '../../src/tolerance.ts';
import { wgslProgram } from '../../codegen/wgsl/target.ts';
import { lenet } from '../support/lenet-ir.ts';
import { gpuDevice } from '../support/webgpu.ts';
import { agreesOnEach, loadWgsl, prepared } from './run-wgsl.ts';

function values(count: number, seed: number, scale = 1): Float32Array {
  return new Random(seed).uniformArray(count, -scale, scale);
}

/** A graph with one symbolic-batch input `x` of [N, ...shape] and the outputs `build` makes. */
function graphOf(name: string, shape: readonly number[], build: (b: GraphBuilder, x: Value, c: (shape: number[], seed: number, scale?: number) => Value) => Value[]): Graph {
  const b = new GraphBuilder(name);
  const x = b.input('x', ['N', ...shape]);
  const constant = (s: number[], seed: number, scale = 1): Value => b.constant(values(sizeOf(s), seed, scale), s);
  b.output(...build(b, x, constant));
  return b.build();
}

function feedsFor(graph: Graph, batch: number, seed = 7): Feeds {
  const shape = graph.inputs[0]?.type.shape.slice(1) as number[];
  return { x: values(batch * sizeOf(shape), seed + batch) };
}

/** Both batches; `tolerance` only where the op's kind says exact but the shader computes in f32. */
async function agrees(graph: Graph, tolerance?: Tolerance): Promise<void> {
  await agreesOnEach(graph, [1, 3].map((batch) => feedsFor(graph, batch)), 'unoptimized', tolerance);
}

/**
 * Which shader each kernel got, read off its code (to check every path is exercised): the
 * tiled conv stages `xs`, register-blocked depthwise calls `finish` without staging, a wide
 * reduction has its `red` tree; everything else is one output per invocation.
 */
function shaderKinds(graph: Graph): string[] {
  const target = prepared(graph, 'unoptimized');
  return wgslProgram(target.graph, target.plan).shaders.map(({ code }) => {
    if (code.includes('var<workgroup> xs')) return 'gemm';
    if (code.includes('fn finish')) return 'blocked';
    return code.includes('var<workgroup> red') ? 'wide' : 'grid';
  });
}

const relu: Attrs = { activation: { op: 'relu', attrs: {} } };

describe('WGSL conv', () => {
  it('2-D convolutions through the tiled shader: strides, dilations, asymmetric pads, groups, bias, activations, residual, per-channel PReLU', async () => {
    const graph = graphOf('conv2d', [6, 7, 6], (b, x, c) => {
      const w1 = c([8, 6, 3, 3], 1, 0.3);
      const a = b.op('conv', [x, w1, c([8], 2)], { strides: [2, 1], pads: [1, 0, 1, 2], dilations: [1, 2], ...relu }, 'a');
      // Groups of 3 input channels; K = 27 is not a multiple of the tile depth.
      const w2 = c([4, 3, 3, 3], 3, 0.3);
      const g = b.op('conv', [x, w2], { group: 2, pads: [1, 1, 1, 1], activation: { op: 'leaky_relu', attrs: { alpha: 0.1 } } }, 'g');
      // Residual then a per-channel PReLU slope.
      const w3 = c([6, 6, 1, 1], 4, 0.4);
      const r = b.op('conv', [x, w3, c([6], 5), x, c([6], 6)], { residual: 1, activation: { op: 'prelu', attrs: {} } }, 'r');
      // Enough channels and depth for several tiles each way (K = 54, 20 output channels).
      const w4 = c([20, 6, 3, 3], 7, 0.2);
      const big = b.op('conv', [x, w4, c([20], 8)], { pads: [1, 1, 1, 1], activation: { op: 'tanh', attrs: {} } }, 'big');
      return [a, g, r, big];
    });
    expect(shaderKinds(graph)).toEqual(['gemm', 'gemm', 'gemm', 'gemm']);
    await agrees(graph);
  });

  it('1-D convolutions: stride, dilation, pads, groups, bias, fused clip (ReLU6) and hard_swish', async () => {
    const graph = graphOf('conv1d', [4, 11], (b, x, c) => [
      b.op('conv', [x, c([6, 2, 3], 11, 0.5), c([6], 12)], { group: 2, strides: [2], pads: [2, 1], dilations: [2], activation: { op: 'clip', attrs: { min: 0, max: 0.5 } } }, 'a'),
      b.op('conv', [x, c([3, 4, 5], 13, 0.4)], { pads: [0, 4], activation: { op: 'hard_swish', attrs: {} } }, 'b'),
    ]);
    await agrees(graph);
  });

  it('depthwise convolutions (channel multiplier 1 and 2, register-blocked rows and long ones) and a single-channel input', async () => {
    const graph = graphOf('depthwise', [4, 6, 5], (b, x, c) => [
      b.op('conv', [x, c([4, 1, 3, 3], 21, 0.5), c([4], 22)], { group: 4, pads: [1, 1, 1, 1], strides: [2, 2], ...relu }, 'dw'),
      b.op('conv', [x, c([8, 1, 3, 2], 23, 0.5)], { group: 4, dilations: [2, 1], pads: [2, 0, 1, 1] }, 'dw2'),
      b.op('conv', [b.op('slice', [x], { starts: [0], ends: [1], axes: [1] }, 'plane'), c([5, 1, 5, 5], 24, 0.3)], { pads: [2, 2, 2, 2] }, 'single'),
      // A long row (9 taps × 4 outputs): one output per invocation instead of register blocks.
      b.op('conv', [x, c([4, 1, 1, 9], 25, 0.3)], { group: 4, pads: [0, 4, 0, 4] }, 'long'),
    ]);
    expect(shaderKinds(graph)).toEqual(['blocked', 'blocked', 'grid', 'blocked', 'grid']);
    await agrees(graph);
  });

  it('transposed convolutions: strides, pads, output_padding, dilation, groups, 1-D and 2-D, stride 1', async () => {
    const graph = graphOf('conv_transpose', [4, 3, 4], (b, x, c) => [
      b.op('conv_transpose', [x, c([4, 3, 2, 3], 31, 0.5), c([3], 32)], { strides: [2, 3], pads: [1, 0, 0, 1], output_padding: [1, 0] }, 'a'),
      b.op('conv_transpose', [x, c([4, 2, 3, 3], 33, 0.5)], { strides: [2, 2], group: 2, dilations: [2, 1], pads: [1, 1, 1, 1] }, 'g'),
      // Stride 1: divisor 1, so the tiled (groups 1) and depthwise shaders see negative dilations and pads.
      b.op('conv_transpose', [x, c([4, 5, 3, 2], 34, 0.5)], { pads: [1, 0, 0, 1] }, 's1'),
      b.op('conv_transpose', [x, c([4, 1, 3, 3], 35, 0.5)], { group: 4, pads: [1, 1, 1, 1] }, 'dw'),
      // Dilation coprime with the stride on both axes, and a stride that shares a factor with it.
      b.op('conv_transpose', [x, c([4, 2, 3, 2], 38, 0.5)], { strides: [3, 2], dilations: [2, 3], pads: [2, 0, 1, 1], output_padding: [1, 2] }, 'phases'),
      b.op('conv_transpose', [x, c([4, 2, 3, 3], 39, 0.5)], { strides: [4, 2], dilations: [2, 4], output_padding: [3, 1] }, 'shared'),
    ]);
    expect(shaderKinds(graph)).toEqual(['grid', 'grid', 'gemm', 'blocked', 'grid', 'grid']);
    await agrees(graph);
    const oneD = graphOf('conv_transpose_1d', [3, 5], (b, x, c) => [
      b.op('conv_transpose', [x, c([3, 2, 4], 36, 0.5), c([2], 37)], { strides: [3], pads: [1, 2], output_padding: [2] }, 'a'),
    ]);
    await agrees(oneD);
  });
});

describe('WGSL pooling and reductions', () => {
  it('max and average pooling: pads, strides, dilation, ceil_mode, count_include_pad, 1-D and 2-D', async () => {
    const graph = graphOf('pool', [3, 7, 8], (b, x) => [
      b.op('max_pool', [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 }, 'max'),
      b.op('max_pool', [x], { kernel_shape: [2, 3], dilations: [2, 2], pads: [0, 1, 1, 0] }, 'max_dilated'),
      b.op('avg_pool', [x], { kernel_shape: [3, 2], strides: [2, 3], pads: [1, 1, 1, 1], ceil_mode: 1 }, 'avg'),
      b.op('avg_pool', [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1, ceil_mode: 1 }, 'avg_padded'),
      b.op('max_pool', [b.op('reshape', [x], { shape: [-1, 21, 8] }, 'rows')], { kernel_shape: [3], strides: [2], pads: [1, 1] }, 'max1d'),
    ]);
    await agrees(graph);
  });

  it('reduce_sum/mean/max/min over one and several axes, keepdims 0 and 1, global average pooling', async () => {
    const graph = graphOf('reduce', [3, 4, 5], (b, x) => [
      b.op('reduce_sum', [x], { axes: [1], keepdims: 0 }, 'sum'),
      b.op('reduce_mean', [x], { axes: [2, 3], keepdims: 1 }, 'gap'),
      b.op('reduce_max', [x], { axes: [1, 3], keepdims: 1 }, 'max'),
      b.op('reduce_min', [x], { axes: [-1, 1, 2], keepdims: 0 }, 'min'),
      b.op('reduce_mean', [x], { axes: [3], keepdims: 0 }, 'mean'),
    ]);
    await agrees(graph);
  });

  it('large windows without padding: a workgroup per output (global pooling, reduce over long axes)', async () => {
    const graph = graphOf('wide_reduce', [16, 16, 20], (b, x) => [
      b.op('reduce_mean', [x], { axes: [2, 3] }, 'gap'),
      b.op('reduce_max', [x], { axes: [1, 2, 3], keepdims: 0 }, 'max'),
      b.op('reduce_min', [x], { axes: [1, 3] }, 'min'),
      b.op('avg_pool', [x], { kernel_shape: [16, 20] }, 'avg'),
      b.op('max_pool', [x], { kernel_shape: [16, 16], strides: [1, 4] }, 'windows'),
    ]);
    expect(shaderKinds(graph)).toEqual(['wide', 'wide', 'wide', 'wide', 'wide']);
    await agrees(graph);
  });
});

describe('WGSL gathers and resizing', () => {
  it('concat along channels and along the last axis', async () => {
    const graph = graphOf('concat', [2, 3, 4], (b, x) => {
      const y = b.op('relu', [x], {}, 'y');
      return [
        b.op('concat', [x, y, b.op('slice', [x], { starts: [1], ends: [2], axes: [1] }, 'z')], { axis: 1 }, 'channels'),
        b.op('concat', [y, x, x], { axis: -1 }, 'last'),
      ];
    });
    await agrees(graph);
  });

  it('slice with negative and clamped starts, ends and steps', async () => {
    const graph = graphOf('slice', [4, 5, 6], (b, x) => [
      b.op('slice', [x], { starts: [-1, 4], ends: [-100, 0], axes: [2, 3], steps: [-1, -2] }, 'reversed'),
      b.op('slice', [x], { starts: [1, 1, -3], ends: [1000, 4, 1000], axes: [1, 2, 3], steps: [2, 1, 1] }, 'clamped'),
    ]);
    await agrees(graph);
  });

  it('pad: constant (with a value and negative pads), reflect, edge', async () => {
    const graph = graphOf('pad', [2, 4, 3], (b, x) => [
      b.op('pad', [x], { pads: [0, 1, 2, 0, 0, 0, 1, 3], mode: 'constant', value: 0.5 }, 'constant'),
      b.op('pad', [x], { pads: [0, 0, 3, 2, 0, 0, 1, 2], mode: 'reflect' }, 'reflect'),
      b.op('pad', [x], { pads: [0, 1, 2, 1, 0, 1, 1, 2], mode: 'edge' }, 'edge'),
    ]);
    await agrees(graph);
  });

  it('resize: nearest and linear, each coordinate mode, up and down, 1-D and 2-D', async () => {
    const graph = graphOf('resize', [2, 4, 5], (b, x) => [
      b.op('resize', [x], { sizes: [8, 10], mode: 'nearest' }, 'nearest'),
      b.op('resize', [x], { sizes: [7, 3], mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, 'nearest_floor'),
      b.op('resize', [x], { sizes: [8, 10], mode: 'linear' }, 'half_pixel'),
      b.op('resize', [x], { sizes: [7, 9], mode: 'linear', coordinate_transformation_mode: 'align_corners' }, 'align_corners'),
      b.op('resize', [x], { sizes: [3, 1], mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' }, 'pytorch'),
      b.op('resize', [x], { sizes: [6, 7], mode: 'linear', coordinate_transformation_mode: 'asymmetric' }, 'asymmetric'),
      b.op('resize', [b.op('reshape', [x], { shape: [-1, 8, 5] }, 'rows')], { sizes: [11], mode: 'linear' }, 'linear1d'),
    ]);
    // resize is a layout op (exact), but linear taps blend in f32 where the interpreter
    // rounds an f64 blend once: a few ulp, inside the elementwise bound.
    await agrees(graph, TOLERANCE_BY_KIND.elementwise);
  });
});

describe('WGSL CNN shapes', () => {
  it('a static batch: every size a literal, the uniform unused', async () => {
    const b = new GraphBuilder('static');
    const x = b.input('x', [2, 3, 6, 5]);
    const conv = b.op('conv', [x, b.constant(values(3 * 3 * 9, 51, 0.3), [3, 3, 3, 3])], { pads: [1, 1, 1, 1], ...relu }, 'conv');
    const pool = b.op('max_pool', [conv], { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 }, 'pool');
    const up = b.op('resize', [pool], { sizes: [6, 5], mode: 'nearest' }, 'up');
    b.output(b.op('concat', [x, up], { axis: 1 }, 'cat'), b.op('reduce_mean', [conv], { axes: [2, 3] }, 'gap'));
    const graph = b.build();
    await agreesOnEach(graph, [{ x: values(2 * 3 * 6 * 5, 52) }], 'unoptimized');
  });

  it('a static output larger than one dispatch axis covers still compiles (grid-stride rounds)', () => {
    const b = new GraphBuilder('large');
    const x = b.input('x', [1, 64, 300, 300]);
    b.output(b.op('pad', [x], { pads: [0, 0, 1, 1, 0, 0, 1, 1], mode: 'edge' }, 'padded'));
    const graph = b.build();
    const target = prepared(graph, 'unoptimized');
    const [shader] = wgslProgram(target.graph, target.plan).shaders;
    expect(shader?.dispatch[0].per).toBeGreaterThan(64);
  });
});

/**
 * The device with maxComputeWorkgroupsPerDimension narrowed to `max`: the bundle caps every
 * dispatch axis there, so batched axes must be covered by the shaders' own loops.
 */
function cappedDevice(device: GPUDevice, max: number): GPUDevice {
  const limits = new Proxy(device.limits, {
    get: (target, key) => (key === 'maxComputeWorkgroupsPerDimension' ? max : Reflect.get(target, key) as unknown),
  });
  return new Proxy(device, {
    get: (target, key) => {
      if (key === 'limits') return limits;
      const value = Reflect.get(target, key) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('WGSL CNN dispatch', () => {
  it('covers every output when the device caps a dispatch axis at 2 workgroups (the shaders loop)', async () => {
    // Every static dispatch axis fits in 2 workgroups; the batched ones need up to 48.
    const graph = graphOf('capped', [2, 16, 16], (b, x, c) => {
      const conv = b.op('conv', [x, c([8, 2, 3, 3], 81, 0.4), c([8], 82, 0.1)], { pads: [1, 1, 1, 1], ...relu }, 'conv');
      const dw = b.op('conv', [conv, c([8, 1, 3, 3], 83, 0.4)], { group: 8, pads: [1, 1, 1, 1] }, 'dw');
      const up = b.op('conv_transpose', [x, c([2, 2, 2, 2], 84, 0.4)], { strides: [2, 2] }, 'up');
      return [
        b.op('reduce_mean', [dw], { axes: [2, 3] }, 'gap'),
        b.op('max_pool', [conv], { kernel_shape: [2, 2], strides: [2, 2] }, 'pool'),
        b.op('resize', [b.op('concat', [x, dw], { axis: 1 }, 'cat')], { sizes: [8, 8], mode: 'linear' }, 'down'),
        up,
      ];
    });
    const target = prepared(graph, 'unoptimized');
    const { device } = await gpuDevice();
    const session = await loadWgsl(target.graph, target.plan, 3, cappedDevice(device, 2));
    try {
      const feeds = feedsFor(graph, 3);
      const actual = await session.run(feeds);
      const expected = interpret(graph, feeds);
      // resize blends in f32 (see the resize test); the rest within the f32-sum tolerance.
      const sums = toleranceForF32Sums(graph, feeds);
      const tolerance = { abs: sums.abs, rel: Math.max(sums.rel, TOLERANCE_BY_KIND.elementwise.rel) };
      for (const name of graph.outputs) {
        const comparison = compareArrays(expected[name] ?? new Float32Array(), actual[name] ?? new Float32Array(), tolerance);
        expect(comparison.ok, `${name}: ${JSON.stringify(comparison.mismatch)}`).toBe(true);
      }
    } finally {
      session.dispose();
    }
  });
});

describe('WGSL CNN end to end', () => {
  it('MobileNet- and U-Net-like blocks (-O2): inverted residual with ReLU6, squeeze-and-excitation, skip concat, upsampling', async () => {
    const graph = graphOf('blocks', [3, 8, 8], (b, x, c) => {
      const relu6: Attrs = { activation: { op: 'clip', attrs: { min: 0, max: 6 } } };
      // Inverted residual: pointwise expand, depthwise 3x3, pointwise project + residual.
      const expand = b.op('conv', [x, c([12, 3, 1, 1], 61, 0.5), c([12], 62, 0.1)], relu6, 'expand');
      const dw = b.op('conv', [expand, c([12, 1, 3, 3], 63, 0.3), c([12], 64, 0.1)], { group: 12, pads: [1, 1, 1, 1], ...relu6 }, 'dw');
      // Squeeze-and-excitation: global average, two 1x1 convs, hard_sigmoid gate, broadcast mul.
      const squeeze = b.op('reduce_mean', [dw], { axes: [2, 3] }, 'squeeze');
      const reduce = b.op('conv', [squeeze, c([4, 12, 1, 1], 65, 0.3)], relu, 'se_reduce');
      const gate = b.op('conv', [reduce, c([12, 4, 1, 1], 66, 0.3)], { activation: { op: 'hard_sigmoid', attrs: {} } }, 'se_gate');
      const excited = b.op('mul', [dw, gate], {}, 'excited');
      const project = b.op('conv', [excited, c([3, 12, 1, 1], 67, 0.3), c([3], 68, 0.1), x], { residual: 1 }, 'project');
      // U-Net: down (conv, pool), up (transposed conv), skip concat, conv, nearest upsampling.
      const down = b.op('max_pool', [b.op('conv', [project, c([6, 3, 3, 3], 69, 0.3)], { pads: [1, 1, 1, 1], ...relu }, 'enc')], { kernel_shape: [2, 2], strides: [2, 2] }, 'down');
      const up = b.op('conv_transpose', [down, c([6, 3, 2, 2], 70, 0.3), c([3], 71, 0.1)], { strides: [2, 2] }, 'up');
      const merged = b.op('conv', [b.op('concat', [up, project], { axis: 1 }, 'skip'), c([2, 6, 3, 3], 72, 0.3)], { pads: [1, 1, 1, 1] }, 'merge');
      return [b.op('resize', [merged], { sizes: [16, 16], mode: 'nearest' }, 'mask')];
    });
    await agreesOnEach(graph, [2].map((batch) => feedsFor(graph, batch)), 'O2');
  });

  it('LeNet-5 from IR text (-O2), batch 1 and 3', async () => {
    const graph = lenet();
    await agreesOnEach(graph, [1, 3].map((batch) => feedsFor(graph, batch)), 'O2');
  });
});
