// The CNN modules of src/nn.ts against PyTorch: the same architectures built with nn.ts,
// loaded with a real state dict by PyTorch's names (BatchNorm's buffers included), compute
// what PyTorch computed (test/fixtures/nn-modules, torch 1.13); parameter names, shapes and
// default initialisation follow PyTorch; bad arguments fail by name.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../ir/graph.ts';
import { interpret } from '../../ir/interpret.ts';
import { tensorAttr } from '../../ir/ops/index.ts';
import {
  adaptiveAvgPool1d, adaptiveAvgPool2d, adaptiveMaxPool1d, avgPool1d, avgPool2d, batchNorm1d, batchNorm2d, conv1d, conv2d,
  convTranspose1d, convTranspose2d, flatten, hardsigmoid, hardswish, linear, maxPool1d, maxPool2d, relu, relu6, sequential, toGraph,
  upsample, type Module, type WeightTensor,
} from '../../src/nn.ts';

interface Fixture {
  readonly state_dict: Record<string, WeightTensor & { data: number[] }>;
  readonly input: { shape: number[]; data: number[] };
  readonly output: { shape: number[]; data: number[] };
}

function load(name: string): Fixture {
  return JSON.parse(readFileSync(new URL(`../fixtures/nn-modules/${name}.json`, import.meta.url), 'utf8')) as Fixture;
}

function weightsOf(fixture: Fixture): Map<string, WeightTensor> {
  return new Map(Object.entries(fixture.state_dict).map(([name, t]) => [name, { shape: t.shape, data: Float32Array.from(t.data) }]));
}

/** The architectures of export_nn_modules.py, module for module. */
const CNN2D = (): Module => sequential(
  conv2d(3, 8, 3, { padding: 1 }),
  batchNorm2d(8),
  relu6(),
  conv2d(8, 8, 3, { stride: 2, padding: 1, groups: 8, bias: false }),
  hardswish(),
  avgPool2d(3, { stride: 1, padding: 1 }),
  conv2d(8, 4, 3, { padding: 'same', paddingMode: 'reflect', dilation: [1, 2] }),
  convTranspose2d(4, 4, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2 }),
  hardsigmoid(),
  maxPool2d(3, { stride: 2, padding: 1, ceilMode: true }),
  upsample({ scaleFactor: 2, mode: 'bilinear', alignCorners: false }),
  avgPool2d(2, { padding: 1, ceilMode: true, countIncludePad: false }),
  upsample({ size: [9, 5], mode: 'nearest' }),
  adaptiveAvgPool2d(1),
  flatten(),
  batchNorm1d(4),
  linear(4, 3),
);

const CNN1D = (): Module => sequential(
  conv1d(2, 4, 3, { stride: 2, padding: 2, dilation: 2 }),
  batchNorm1d(4),
  relu(),
  maxPool1d(2),
  conv1d(4, 4, 3, { padding: 1, paddingMode: 'replicate' }),
  avgPool1d(3, { stride: 1, padding: 1, countIncludePad: false }),
  convTranspose1d(4, 2, 4, { stride: 2 }),
  adaptiveMaxPool1d(4),
  upsample({ scaleFactor: 3, mode: 'linear', alignCorners: true }),
  adaptiveAvgPool1d(1),
  flatten(),
);

function constants(graph: Graph): Map<string, Float32Array> {
  return new Map(graph.nodes.filter((n) => n.op === 'const').map((n) => [n.name, tensorAttr(n.attrs, 'value').data]));
}

describe('nn CNN modules vs PyTorch', () => {
  for (const [name, make] of [['cnn2d', CNN2D], ['cnn1d', CNN1D]] as const) {
    it(`${name}: the state dict loads by PyTorch's names and the output matches PyTorch`, () => {
      const fixture = load(name);
      const inputShape = ['N', ...fixture.input.shape.slice(1)];
      const graph = toGraph(make(), { name, inputShape, weights: weightsOf(fixture) });
      expect(graph.outputs.length).toBe(1);
      const out = interpret(graph, { x: Float32Array.from(fixture.input.data) })[graph.outputs[0] ?? ''] ?? new Float32Array();
      expect(out.length).toBe(fixture.output.data.length);
      // PyTorch sums convolutions in its own order (f32); the interpreter sums in f64.
      fixture.output.data.forEach((want, i) => expect(Math.abs((out[i] ?? NaN) - want)).toBeLessThanOrEqual(1e-5 + 1e-5 * Math.abs(want)));
    });
  }

  it('declares exactly the parameters PyTorch has (num_batches_tracked is accepted, not needed)', () => {
    const fixture = load('cnn2d');
    const names = CNN2D().parameters('').map((p) => p.name);
    expect(names).toEqual(Object.keys(fixture.state_dict).filter((n) => !n.endsWith('num_batches_tracked')));
    for (const { name, spec } of CNN2D().parameters('')) expect(spec.shape).toEqual(fixture.state_dict[name]?.shape);
  });
});

describe('nn CNN modules', () => {
  it('infer shapes through Sequential: conv, pool, global pool, flatten, linear', () => {
    const model = sequential({
      features: sequential(conv2d(1, 4, 5, { padding: 2 }), relu(), maxPool2d(2), conv2d(4, 6, 3), relu6(), avgPool2d(2)),
      pool: adaptiveAvgPool2d(1),
      flat: flatten(),
      head: linear(6, 10),
    });
    const graph = toGraph(model, { name: 'lenet', inputShape: ['N', 1, 28, 28] });
    const types = new Map(graph.nodes.map((n) => [n.name, n.type.shape.join('x')]));
    expect(types.get('features.0')).toBe('Nx4x28x28');
    expect(types.get('features.2')).toBe('Nx4x14x14');
    expect(types.get('features.3')).toBe('Nx6x12x12');
    expect(types.get('features.5')).toBe('Nx6x6x6');
    expect(types.get('pool')).toBe('Nx6x1x1');
    expect(graph.nodes.find((n) => n.name === 'pool')?.op).toBe('reduce_mean');
    expect(types.get('head')).toBe('Nx10');
  });

  it('initialise conv weights and biases uniform in ±1/sqrt(fan_in), BatchNorm at identity', () => {
    const params = constants(toGraph(sequential(conv2d(6, 8, 3, { groups: 2 }), batchNorm2d(8), convTranspose2d(8, 4, 2, { groups: 2 })), { name: 'c', inputShape: [1, 6, 5, 5] }));
    const check = (name: string, count: number, bound: number): void => {
      const data = Array.from(params.get(name) ?? []);
      expect(data.length).toBe(count);
      expect(data.every((v) => Math.abs(v) <= bound)).toBe(true);
      expect(Math.max(...data.map(Math.abs))).toBeGreaterThan(0.8 * bound);
    };
    check('0.weight', 8 * 3 * 9, 1 / Math.sqrt(27));
    check('0.bias', 8, 1 / Math.sqrt(27));
    // ConvTranspose: PyTorch's fan_in is weight.size(1) · kernel = (4 / 2) · 4.
    check('2.weight', 8 * 2 * 4, 1 / Math.sqrt(8));
    expect(Array.from(params.get('1.scale') ?? []).every((s) => Math.abs(s - 1 / Math.sqrt(1 + 1e-5)) < 1e-7)).toBe(true);
    expect(Array.from(params.get('1.shift') ?? [])).toEqual(new Array<number>(8).fill(0));
  });

  it('refuses bad arguments by name', () => {
    expect(() => conv2d(6, 8, 3, { groups: 4 })).toThrow('conv2d: in_channels 6 must be divisible by groups 4');
    expect(() => conv2d(4, 8, [3, 3, 3])).toThrow('conv2d kernel_size needs 2 value(s), got [3, 3, 3]');
    expect(() => conv1d(4, 8, 3, { padding: 'same', stride: 2 })).toThrow("padding='same' needs stride 1");
    expect(() => batchNorm2d(4, { trackRunningStats: false })).toThrow('track_running_stats=False');
    expect(() => toGraph(sequential(conv2d(3, 4, 3), batchNorm2d(5)), { name: 'b', inputShape: ['N', 3, 8, 8] }))
      .toThrow('batch_norm2d(5) needs an input of rank 4 with 5 channels on axis 1, got f32[N,4,6,6]');
    expect(() => toGraph(adaptiveAvgPool2d([2, 3]), { name: 'a', inputShape: ['N', 3, 8, 8] }))
      .toThrow('input sizes [8, 8] must be multiples of output_size [2, 3]');
    expect(() => toGraph(conv2d(3, 4, 9), { name: 'k', inputShape: ['N', 3, 8, 8] })).toThrow('larger than the padded input');
  });

  it('upsamples linearly as PyTorch does, also down to one element (its middle, torch 1.13)', () => {
    const run = (module: Module, shape: (string | number)[], data: number[]): number[] => {
      const graph = toGraph(module, { name: 'u', inputShape: shape });
      return Array.from(interpret(graph, { x: Float32Array.from(data) })[graph.outputs[0] ?? ''] ?? []);
    };
    const ramp = Array.from({ length: 9 }, (_, i) => i);
    // F.interpolate(arange(9), size=…, mode='linear', align_corners=False)
    expect(run(upsample({ size: 1, mode: 'linear' }), [1, 1, 9], ramp)).toEqual([4]);
    expect(run(upsample({ size: 2, mode: 'linear' }), [1, 1, 9], ramp)).toEqual([1.75, 6.25]);
    expect(run(upsample({ size: 4, mode: 'linear' }), [1, 1, 9], ramp)).toEqual([0.625, 2.875, 5.125, 7.375]);
    // F.interpolate(arange(12).reshape(1,1,3,4), size=(1,1), mode='bilinear')
    expect(run(upsample({ size: [1, 1], mode: 'bilinear' }), [1, 1, 3, 4], Array.from({ length: 12 }, (_, i) => i))).toEqual([5.5]);
  });

  it('still reports unused weights beside BatchNorm buffers', () => {
    const weights = new Map([
      ['weight', new Float32Array([1, 1])], ['bias', new Float32Array(2)], ['running_mean', new Float32Array(2)],
      ['running_var', new Float32Array([1, 1])], ['num_batches_tracked', new Float32Array([3])], ['stray', new Float32Array(1)],
    ]);
    expect(() => toGraph(batchNorm1d(2), { name: 'bn', inputShape: ['N', 2], weights })).toThrow('unused weights: "stray"');
  });
});
