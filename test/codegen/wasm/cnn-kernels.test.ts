// The wasm conv, reduce, gather and resize kernels against the interpreter (within
// src/tolerance.ts): every geometry the kernels special-case (1×1 in place, packed panels with
// full and tail panels, padding, strides, dilations, groups, depthwise, transposed conv), fused
// epilogues (bias, per-channel and scalar PReLU, residual, every activation), pooling modes,
// reductions over several axes, concat/slice/pad/resize; each bundle runs at batch 1 and then
// at a larger batch in the same session. A fast-check property covers random conv and pool
// geometries.

import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../../ir/graph.ts';
import { ACTIVATION_OPS, type OpName } from '../../../ir/ops/index.ts';
import type { AttrValue, Attrs } from '../../../ir/ops/types.ts';
import { parseGraph } from '../../../ir/parse.ts';
import { staticSize, symbolOf, type Shape } from '../../../ir/types.ts';
import { GraphBuilder } from '../../../src/builder.ts';
import { optimize } from '../../../src/passes/pipeline.ts';
import { Random } from '../../../src/random.ts';
import { arbCnnCase, CNN_OPS, withEdgeValues } from '../cnn-cases.ts';
import { writeBundle } from '../js/load-bundle.ts';
import { naivePlan } from '../naive-plan.ts';
import { bundleFor, expectAgrees, loadWasmBundle } from './wasm-bundle.ts';

/** Feeds for `batch` samples: uniform in [-2, 2), a few special values where `special`. */
function feedsFor(graph: Graph, batch: number, seed: number, special = false): Record<string, Float32Array> {
  return Object.fromEntries(graph.inputs.map((input, k) => {
    const count = staticSize(input.type.shape) * (symbolOf(input.type.shape) !== undefined ? batch : 1);
    const data = new Random(seed + 17 * k).uniformArray(count, -2, 2);
    if (special) [NaN, Infinity, -Infinity, -0, 1e30].forEach((v, i) => { data[(i * 7919) % count] = v; });
    return [input.name, data];
  }));
}

/** Compiles (unoptimized, or at -O2), then runs at batch 1 and 3 (the same session). */
async function agrees(graph: Graph, options: { seed?: number; special?: boolean; optimized?: boolean } = {}): Promise<void> {
  const built = options.optimized === true ? optimize(graph) : { graph, plan: naivePlan(graph) };
  const session = await loadWasmBundle(bundleFor(built.graph, built.plan));
  const batched = graph.inputs.some((input) => symbolOf(input.type.shape) !== undefined);
  for (const batch of batched ? [1, 3] : [1]) {
    const feeds = feedsFor(built.graph, batch, (options.seed ?? 1) + batch, options.special);
    expectAgrees(built.graph, { ...feeds }, session.runSync({ ...feeds }));
  }
  session.dispose();
}

interface ConvCase {
  readonly input: readonly number[];
  readonly outChannels: number;
  readonly kernel: readonly number[];
  readonly attrs?: Attrs;
  readonly bias?: boolean;
  readonly activation?: string;
  readonly activationAttrs?: Attrs;
  readonly prelu?: 'channel' | 'scalar';
  readonly residual?: boolean;
  readonly transpose?: boolean;
  readonly seed?: number;
}

function convGraph(c: ConvCase): Graph {
  const random = new Random(c.seed ?? 7);
  const b = new GraphBuilder('conv_case');
  const xShape: Shape = ['N', ...c.input];
  const x = b.input('x', xShape);
  const group = Number(c.attrs?.['group'] ?? 1);
  const channels = c.input[0] ?? 1;
  const wShape = c.transpose === true ? [channels, c.outChannels / group, ...c.kernel] : [c.outChannels, channels / group, ...c.kernel];
  const fanIn = (wShape[1] ?? 1) * c.kernel.reduce((n, k) => n * k, 1);
  const scale = 1 / Math.sqrt(fanIn);
  const w = b.constant(random.uniformArray(wShape.reduce((n, d) => n * d, 1), -scale, scale), wShape);
  const operands = [x, w];
  if (c.bias === true) operands.push(b.constant(random.uniformArray(c.outChannels, -1, 1), [c.outChannels]));
  const attrs: Record<string, AttrValue> = { ...c.attrs };
  if (c.transpose === true) {
    b.output(b.op('conv_transpose', operands, attrs));
    return b.build();
  }
  if (c.residual === true) {
    const plainConv = new GraphBuilder('shape_only').op('conv', [x, w], attrs);
    operands.push(b.input('r', plainConv.type.shape));
    attrs['residual'] = 1;
  }
  if (c.activation !== undefined) attrs['activation'] = { op: c.activation, attrs: { ...c.activationAttrs } };
  if (c.prelu !== undefined) {
    attrs['activation'] = { op: 'prelu', attrs: {} };
    const count = c.prelu === 'channel' ? c.outChannels : 1;
    operands.push(b.constant(random.uniformArray(count, 0, 0.5), [count]));
  }
  b.output(b.op('conv', operands, attrs));
  return b.build();
}

const CONV_CASES: Record<string, ConvCase> = {
  '2-D 3×3 pad 1 with bias and relu': { input: [5, 9, 11], outChannels: 6, kernel: [3, 3], attrs: { pads: [1, 1, 1, 1] }, bias: true, activation: 'relu' },
  '2-D wide rows (full panels and a tail), residual, PReLU': {
    input: [6, 5, 37], outChannels: 5, kernel: [3, 3], attrs: { pads: [1, 1, 1, 1] }, bias: true, residual: true, prelu: 'channel',
  },
  '2-D wide stride 2, dilation 2': { input: [3, 9, 75], outChannels: 9, kernel: [3, 5], attrs: { strides: [2, 2], dilations: [2, 2], pads: [2, 3, 1, 2] } },
  '2-D depthwise, wide rows (full blocks)': { input: [3, 6, 70], outChannels: 3, kernel: [3, 3], attrs: { group: 3, pads: [1, 1, 1, 1] }, bias: true, residual: true, activation: 'relu' },
  '2-D depthwise 7×7 (weights not hoisted), stride 3': { input: [2, 12, 40], outChannels: 2, kernel: [7, 7], attrs: { group: 2, strides: [3, 3], pads: [3, 3, 2, 1] }, prelu: 'channel' },
  '2-D 1×1 (in place) with bias': { input: [7, 5, 6], outChannels: 19, kernel: [1, 1], bias: true },
  '2-D 1×1 stride 2': { input: [4, 7, 7], outChannels: 8, kernel: [1, 1], attrs: { strides: [2, 2] } },
  '2-D stride 2, asymmetric pads': { input: [3, 12, 10], outChannels: 5, kernel: [3, 2], attrs: { strides: [2, 3], pads: [1, 0, 2, 1] } },
  '2-D dilation 2': { input: [2, 10, 9], outChannels: 4, kernel: [3, 3], attrs: { dilations: [2, 2], pads: [2, 2, 2, 2] }, bias: true },
  '2-D 7×7 stride 2 (stem)': { input: [3, 20, 20], outChannels: 16, kernel: [7, 7], attrs: { strides: [2, 2], pads: [3, 3, 3, 3] } },
  '2-D groups 2': { input: [6, 8, 8], outChannels: 4, kernel: [3, 3], attrs: { group: 2, pads: [1, 1, 1, 1] }, bias: true },
  '2-D groups 3, 2 channels each': { input: [6, 5, 5], outChannels: 9, kernel: [2, 2], attrs: { group: 3 } },
  '2-D depthwise 3×3': { input: [8, 9, 9], outChannels: 8, kernel: [3, 3], attrs: { group: 8, pads: [1, 1, 1, 1] }, bias: true, activation: 'clip', activationAttrs: { min: 0, max: 6 } },
  '2-D depthwise stride 2, multiplier 2': { input: [4, 11, 10], outChannels: 8, kernel: [5, 5], attrs: { group: 4, strides: [2, 2], pads: [2, 2, 2, 2] } },
  '2-D per-channel PReLU': { input: [3, 6, 6], outChannels: 20, kernel: [3, 3], prelu: 'channel', bias: true },
  '2-D scalar PReLU': { input: [3, 6, 6], outChannels: 5, kernel: [3, 3], prelu: 'scalar' },
  '2-D residual then relu': { input: [4, 7, 7], outChannels: 4, kernel: [3, 3], attrs: { pads: [1, 1, 1, 1] }, bias: true, residual: true, activation: 'relu' },
  '2-D 1×1 residual': { input: [16, 4, 5], outChannels: 16, kernel: [1, 1], residual: true },
  '2-D output of one position': { input: [3, 3, 3], outChannels: 7, kernel: [3, 3], bias: true },
  '2-D kernel larger than the input with padding': { input: [2, 2, 3], outChannels: 3, kernel: [4, 4], attrs: { pads: [2, 2, 2, 1] } },
  '1-D kernel 3 pad 1': { input: [4, 17], outChannels: 6, kernel: [3], attrs: { pads: [1, 1] }, bias: true, activation: 'tanh' },
  '1-D stride 2 dilation 3': { input: [3, 30], outChannels: 5, kernel: [4], attrs: { strides: [2], dilations: [3], pads: [0, 2] } },
  '1-D 1×1': { input: [8, 21], outChannels: 3, kernel: [1] },
  'transpose 2-D stride 2': { input: [4, 5, 6], outChannels: 3, kernel: [3, 3], attrs: { strides: [2, 2] }, bias: true, transpose: true },
  'transpose 2-D pads, output_padding': {
    input: [3, 4, 4], outChannels: 2, kernel: [4, 3], attrs: { strides: [2, 3], pads: [1, 0, 1, 1], output_padding: [1, 2] }, transpose: true,
  },
  'transpose 2-D groups and dilation': {
    input: [4, 5, 5], outChannels: 6, kernel: [3, 3], attrs: { group: 2, dilations: [2, 1], strides: [1, 2] }, bias: true, transpose: true,
  },
  'transpose 1-D': { input: [3, 9], outChannels: 4, kernel: [5], attrs: { strides: [3], pads: [2, 1], output_padding: [1] }, transpose: true },
};

describe('wasm conv kernel', () => {
  for (const [name, c] of Object.entries(CONV_CASES)) {
    it(name, async () => agrees(convGraph(c)));
  }
  it('every fused activation', async () => {
    for (const activation of ACTIVATION_OPS.filter((op) => op !== 'prelu')) {
      await agrees(convGraph({ input: [3, 5, 5], outChannels: 6, kernel: [3, 3], attrs: { pads: [1, 1, 1, 1] }, bias: true, activation }));
    }
  });
  it('a fused conv chain at -O2 (bias, batch-norm scale, relu, residual add)', async () => {
    await agrees(parseGraph(`
      graph g(%x: f32[N,2,6,6]) -> f32[N,3,6,6] {
        %w = const {value = dense<[${Array.from({ length: 54 }, (_, i) => ((i * 37) % 11) / 20 - 0.25).join(', ')}]>} : f32[3,2,3,3]
        %b = const {value = dense<[0.1, -0.2, 0.3]>} : f32[3]
        %s = const {value = dense<[1.5, 0.5, -1]>} : f32[3,1,1]
        %c = conv(%x, %w, %b) {pads = [1, 1, 1, 1]} : f32[N,3,6,6]
        %m = mul(%c, %s) : f32[N,3,6,6]
        %r = relu(%m) : f32[N,3,6,6]
        %w2 = const {value = dense<[${Array.from({ length: 9 }, (_, i) => (i - 4) / 10).join(', ')}]>} : f32[3,3,1,1]
        %c2 = conv(%r, %w2) : f32[N,3,6,6]
        %y = add(%c2, %r) : f32[N,3,6,6]
        return %y
      }`), { optimized: true });
  });
  it('a residual and a per-channel slope on outputs with axes of extent 1', async () => {
    await agrees(convGraph({ input: [3, 3, 5], outChannels: 1, kernel: [3, 5], residual: true, prelu: 'channel' }));
    await agrees(convGraph({ input: [2, 4], outChannels: 5, kernel: [4], residual: true, bias: true, prelu: 'channel' }));
  });
});

const arbConv = fc.record({
  rank: fc.constantFrom(1, 2),
  size: fc.integer({ min: 1, max: 9 }),
  size2: fc.integer({ min: 1, max: 9 }),
  groups: fc.constantFrom(1, 2, 3),
  perGroupIn: fc.integer({ min: 1, max: 3 }),
  perGroupOut: fc.integer({ min: 1, max: 5 }),
  kernel: fc.integer({ min: 1, max: 4 }),
  kernel2: fc.integer({ min: 1, max: 3 }),
  stride: fc.integer({ min: 1, max: 3 }),
  dilation: fc.integer({ min: 1, max: 2 }),
  pads: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 4, maxLength: 4 }),
  transpose: fc.boolean(),
  seed: fc.integer({ min: 1, max: 1000 }),
});

/** A random conv or conv_transpose, or undefined when the geometry has no output. */
type ConvParams = typeof arbConv extends fc.Arbitrary<infer T> ? T : never;

function randomConv(p: ConvParams): Graph | undefined {
  const spatial = p.rank === 1 ? [p.size + 4] : [p.size + 2, p.size2 + 2];
  const kernel = p.rank === 1 ? [p.kernel] : [p.kernel, p.kernel2];
  const pads = p.rank === 1 ? [p.pads[0] ?? 0, p.pads[1] ?? 0] : [...p.pads];
  const attrs: Attrs = {
    group: p.groups, strides: spatial.map(() => p.stride), dilations: spatial.map(() => p.dilation), pads,
  };
  const c: ConvCase = {
    input: [p.groups * p.perGroupIn, ...spatial], outChannels: p.groups * p.perGroupOut, kernel, attrs, bias: p.seed % 2 === 0,
    transpose: p.transpose, seed: p.seed,
  };
  try {
    return convGraph(c);
  } catch {
    return undefined; // an output size below 1 (the shape rule refuses it)
  }
}

describe('wasm conv and pool kernels on random geometry', () => {
  it('conv and conv_transpose agree with the interpreter', async () => {
    await fc.assert(fc.asyncProperty(arbConv, async (p) => {
      const graph = randomConv(p);
      if (graph !== undefined) await agrees(graph, { seed: p.seed });
    }), { numRuns: 40 });
  });
  it('max and avg pooling agree with the interpreter', async () => {
    const arbPool = fc.record({
      rank: fc.constantFrom(1, 2), size: fc.integer({ min: 1, max: 9 }), kernel: fc.integer({ min: 1, max: 4 }),
      stride: fc.integer({ min: 1, max: 3 }), dilation: fc.integer({ min: 1, max: 2 }), pad: fc.integer({ min: 0, max: 2 }),
      ceil: fc.constantFrom(0, 1), includePad: fc.constantFrom(0, 1), max: fc.boolean(),
    });
    await fc.assert(fc.asyncProperty(arbPool, async (p) => {
      const spatial = p.rank === 1 ? [p.size + 3] : [p.size + 3, p.size + 1];
      const span = p.max ? p.dilation * (p.kernel - 1) + 1 : p.kernel;
      const pad = Math.min(p.pad, span - 1);
      const attrs: Attrs = {
        kernel_shape: spatial.map(() => p.kernel), strides: spatial.map(() => p.stride), pads: [...spatial, ...spatial].map(() => pad), ceil_mode: p.ceil,
        ...(p.max ? { dilations: spatial.map(() => p.dilation) } : { count_include_pad: p.includePad }),
      };
      const b = new GraphBuilder('pool_case');
      const x = b.input('x', ['N', 3, ...spatial]);
      let graph: Graph;
      try {
        b.output(b.op(p.max ? 'max_pool' : 'avg_pool', [x], attrs));
        graph = b.build();
      } catch {
        return;
      }
      await agrees(graph);
    }), { numRuns: 40 });
  });
});

/** A graph of one op on an input `x` of `shape` ("N,3,9,8"), its output type inferred. */
function single(op: OpName, shape: string, attrs: Attrs): Graph {
  const b = new GraphBuilder(op);
  const x = b.input('x', shape.split(',').map((d) => (d === 'N' ? d : Number(d))));
  b.output(b.op(op, [x], attrs));
  return b.build();
}

describe('wasm reduce kernel', () => {
  const cases: Record<string, Graph> = {
    'max_pool 3×3 stride 2 pad 1': single('max_pool', 'N,3,9,8', { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }),
    'max_pool ceil_mode, dilation': single('max_pool', 'N,2,10,9', { kernel_shape: [2, 3], strides: [3, 2], dilations: [2, 1], ceil_mode: 1 }),
    'max_pool 1-D': single('max_pool', 'N,4,13', { kernel_shape: [4], strides: [3], pads: [2, 1] }),
    'avg_pool without padding in the count': single('avg_pool', 'N,3,7,7', { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }),
    'avg_pool count_include_pad, ceil_mode': single('avg_pool', 'N,2,8,7', { kernel_shape: [3, 2], strides: [2, 2], pads: [1, 0, 1, 1], ceil_mode: 1, count_include_pad: 1 }),
    'max_pool on lanes, stride 2 (wide rows)': single('max_pool', 'N,2,7,41', { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }),
    'max_pool on lanes, stride 1, dilation 2': single('max_pool', 'N,2,5,30', { kernel_shape: [2, 3], dilations: [1, 2], pads: [0, 2, 1, 1] }),
    'avg_pool on lanes, stride 1, count_include_pad': single('avg_pool', 'N,2,6,27', { kernel_shape: [3, 3], pads: [1, 1, 1, 1], count_include_pad: 1 }),
    'avg_pool on lanes, stride 3, ceil_mode': single('avg_pool', 'N,2,8,50', { kernel_shape: [2, 4], strides: [2, 3], pads: [1, 2, 1, 2], ceil_mode: 1 }),
    'avg_pool on lanes, 1-D, stride 2': single('avg_pool', 'N,3,37', { kernel_shape: [5], strides: [2], pads: [2, 2] }),
    'avg_pool 1-D': single('avg_pool', 'N,3,10', { kernel_shape: [3], strides: [1], pads: [1, 1], count_include_pad: 1 }),
    'global average pooling (reduce_mean over H, W)': single('reduce_mean', 'N,5,6,7', { axes: [2, 3], keepdims: 1 }),
    'reduce_max over channels and width': single('reduce_max', 'N,4,3,5', { axes: [1, 3], keepdims: 0 }),
    'reduce_min over the last axis': single('reduce_min', 'N,4,6', { axes: [-1], keepdims: 1 }),
    'reduce_sum over channels': single('reduce_sum', 'N,6,2,3', { axes: [1], keepdims: 0 }),
    'reduce_sum of everything (static)': single('reduce_sum', '3,4,5', { axes: [], keepdims: 0 }),
    'reduce_mean over axes 0 and 2 (static)': single('reduce_mean', '3,4,5', { axes: [0, 2], keepdims: 1 }),
  };
  for (const [name, graph] of Object.entries(cases)) {
    it(name, async () => agrees(graph));
    it(`${name}, special values`, async () => agrees(graph, { special: true }));
  }
});

describe('wasm gather kernel', () => {
  const cases: Record<string, Graph> = {
    'concat along channels': parseGraph(`graph g(%a: f32[N,2,3,5], %b: f32[N,3,3,5], %c: f32[N,1,3,5]) -> f32[N,6,3,5] {
      %y = concat(%a, %b, %c) {axis = 1} : f32[N,6,3,5]
      return %y
    }`),
    'concat along the last axis': parseGraph(`graph g(%a: f32[N,2,3], %b: f32[N,2,6]) -> f32[N,2,9] {
      %y = concat(%a, %b) {axis = -1} : f32[N,2,9]
      return %y
    }`),
    'slice with steps and clamping': single('slice', 'N,6,9', { starts: [1, -2], ends: [100, 0], axes: [1, 2], steps: [2, -3] }),
    'slice, negative step on the last axis': single('slice', 'N,4,7', { starts: [-1], ends: [-100], axes: [2], steps: [-1] }),
    'slice of a middle range': single('slice', 'N,5,6,7', { starts: [1, 2], ends: [4, -1], axes: [1, 3] }),
    'pad constant': single('pad', 'N,2,3,4', { pads: [0, 0, 1, 2, 0, 1, 2, 0], mode: 'constant', value: 1.5 }),
    'pad reflect': single('pad', 'N,2,4,5', { pads: [0, 0, 2, 1, 0, 0, 3, 4], mode: 'reflect' }),
    'pad edge': single('pad', 'N,3,4', { pads: [0, 1, 3, 0, 2, 2], mode: 'edge' }),
    'resize nearest ×2 (asymmetric, floor)': single('resize', 'N,2,3,4', { sizes: [6, 8], mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }),
    'resize nearest down (half_pixel)': single('resize', 'N,2,7,9', { sizes: [3, 4], mode: 'nearest' }),
    'resize nearest 1-D (round_prefer_ceil)': single('resize', 'N,3,5', { sizes: [12], mode: 'nearest', nearest_mode: 'round_prefer_ceil' }),
  };
  for (const [name, graph] of Object.entries(cases)) {
    it(name, async () => agrees(graph, { special: true }));
  }
});

describe('wasm resize kernel (linear)', () => {
  const modes = ['half_pixel', 'asymmetric', 'align_corners', 'pytorch_half_pixel'];
  for (const mode of modes) {
    it(`bilinear ×2 and down, ${mode}`, async () => {
      await agrees(single('resize', 'N,2,3,4', { sizes: [6, 8], mode: 'linear', coordinate_transformation_mode: mode }), { special: true });
      await agrees(single('resize', 'N,2,7,5', { sizes: [3, 1], mode: 'linear', coordinate_transformation_mode: mode }));
    });
  }
  it('1-D linear', async () => {
    await agrees(single('resize', 'N,3,5', { sizes: [11], mode: 'linear', coordinate_transformation_mode: 'align_corners' }), { special: true });
  });
});

describe('wasm CNN kernels with relaxed SIMD', () => {
  it('a small CNN (3×3 conv, depthwise, pointwise with residual, pooling) agrees in an engine with relaxed_madd', () => {
    const enable = '--experimental-wasm-relaxed-simd';
    const flags = spawnSync(process.execPath, [enable, '-e', '0']).status === 0 ? [enable] : [];
    const random = new Random(21);
    const b = new GraphBuilder('small_cnn');
    const x = b.input('x', ['N', 3, 12, 13]);
    const weight = (shape: number[]): ReturnType<GraphBuilder['input']> => {
      const fanIn = shape.slice(1).reduce((n, d) => n * d, 1);
      return b.constant(random.uniformArray(shape.reduce((n, d) => n * d, 1), -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn)), shape);
    };
    const relu = { activation: { op: 'relu', attrs: {} } };
    // Six channels: register blocks of 4 and a leftover block of 2 rows.
    const c1 = b.op('conv', [x, weight([6, 3, 3, 3]), weight([6])], { pads: [1, 1, 1, 1], ...relu });
    const dw = b.op('conv', [c1, weight([6, 1, 3, 3])], { group: 6, strides: [2, 2], pads: [1, 1, 1, 1], activation: { op: 'clip', attrs: { min: 0, max: 6 } } });
    const pw = b.op('conv', [dw, weight([6, 6, 1, 1]), dw], { residual: 1 });
    b.output(b.op('avg_pool', [pw], { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 }), b.op('max_pool', [c1], { kernel_shape: [3, 3], strides: [1, 1] }));
    const graph = b.build();
    const bundle = bundleFor(graph, naivePlan(graph), { relaxed: true });
    const dir = writeBundle(bundle);
    const feeds = feedsFor(graph, 2, 5);
    const input = feeds['x'] ?? new Float32Array();
    writeFileSync(join(dir, 'x.bin'), new Uint8Array(input.buffer, input.byteOffset, input.byteLength));
    writeFileSync(join(dir, 'runner.mjs'), `import { load } from "./${bundle.entry}";
import { readFileSync } from "node:fs";
const bytes = readFileSync(new URL("./x.bin", import.meta.url));
const x = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
const session = await load();
const out = session.runSync({ x });
process.stdout.write(JSON.stringify({ relaxed: session.relaxedSimd, out: Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Array.from(v)])) }));
`);
    const result = JSON.parse(execFileSync(process.execPath, [...flags, join(dir, 'runner.mjs')], { encoding: 'utf8' })) as { relaxed: boolean; out: Record<string, number[]> };
    expect(result.relaxed).toBe(true);
    expectAgrees(graph, feeds, Object.fromEntries(Object.entries(result.out).map(([k, v]) => [k, Float32Array.from(v)])));
  });
});

describe('wasm CNN kernels on the shared random cases (test/codegen/cnn-cases.ts)', () => {
  for (const op of CNN_OPS) {
    // The contractions sum in f32 (the interpreter in f64): ordinary values only, as in
    // wasm-differential.test.ts; every other kernel gets edge values too.
    const contraction = op === 'conv' || op === 'conv_transpose';
    it(`${op}, unoptimized and -O2${contraction ? '' : ', edge values'}`, async () => {
      await fc.assert(fc.asyncProperty(arbCnnCase(op), fc.integer(), async ({ graph, feeds }, seed) => {
        for (const built of [{ graph, plan: naivePlan(graph) }, optimize(graph)]) {
          const session = await loadWasmBundle(bundleFor(built.graph, built.plan));
          for (const f of contraction ? [feeds] : [feeds, withEdgeValues(feeds, seed)]) {
            const plain = Object.fromEntries(Object.entries(f)) as Record<string, Float32Array>;
            expectAgrees(built.graph, { ...plain }, session.runSync({ ...plain }));
          }
          session.dispose();
        }
      }), { numRuns: 15 });
    });
  }
});
