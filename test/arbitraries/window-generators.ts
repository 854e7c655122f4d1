// Generators for the ops over [N, C, L] and [N, C, H, W] windows: conv (groups, depthwise,
// bias, every fused activation with per-channel PReLU slopes, residual), conv_transpose,
// max_pool, avg_pool and resize. Window parameters are drawn within the ranges the issue
// names (kernel 1–5, stride 1–3, pad 0–2, dilation 1–2) and shrunk until the window fits, so
// a step on an image value rarely fails; results are capped so that chains stay fast.

import type { Value } from '../../ir/graph.ts';
import { activationParamCount, type Attrs, type OpName } from '../../ir/ops/index.ts';
import { isSymbolic, sameShape } from '../../ir/types.ts';
import { Random } from '../../src/random.ts';
import type { Operand } from './assembler.ts';
import { paramShapes, randomActivation, rotate, type Generator } from './step.ts';

/** At most this many elements per sample in a window op's result (upsampling compounds). */
export const MAX_WINDOW_RESULT = 1024;

/** [N, C, L] or [N, C, H, W] with static channels and spatial dims (N may be symbolic). */
export function isImage(value: Value): boolean {
  const shape = value.type.shape;
  return (shape.length === 3 || shape.length === 4) && shape.slice(1).every((d) => !isSymbolic(d));
}

/** The batch when static (the sample cap then counts it), else 1. */
function staticBatch(value: Value): number {
  const batch = value.type.shape[0];
  return typeof batch === 'number' ? batch : 1;
}

/** An integer in lo..hi. */
function pick(random: Random, lo: number, hi: number): number {
  return lo + Math.floor(random.next() * (hi - lo + 1));
}

function divisorsOf(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);
}

interface Window {
  readonly kernel: number[];
  readonly strides: number[];
  readonly dilations: number[];
  readonly pads: number[];
}

/**
 * A window over `spatial`: kernel in 1..maxKernel, strides 1..3, dilations 1..maxDilation,
 * pads 0..2 per side (below the kernel when `padBelowKernel`, as pooling needs); the kernel
 * shrinks until its extent fits the padded input.
 */
function randomWindow(random: Random, spatial: readonly number[], maxKernel: number, maxDilation: number, padBelowKernel: boolean): Window {
  const kernel: number[] = [];
  const strides: number[] = [];
  const dilations: number[] = [];
  const begins: number[] = [];
  const ends: number[] = [];
  for (const size of spatial) {
    const d = pick(random, 1, maxDilation);
    let k = pick(random, 1, maxKernel);
    const padCap = (kk: number): number => (padBelowKernel ? Math.min(2, kk - 1) : 2);
    let begin = pick(random, 0, padCap(k));
    let end = random.next() < 0.6 ? begin : pick(random, 0, padCap(k));
    while (d * (k - 1) + 1 > size + begin + end) {
      k -= 1;
      begin = Math.min(begin, padCap(k));
      end = Math.min(end, padCap(k));
    }
    kernel.push(k);
    strides.push(pick(random, 1, 3));
    dilations.push(d);
    begins.push(begin);
    ends.push(end);
  }
  return { kernel, strides, dilations, pads: [...begins, ...ends] };
}

/** Window attributes, the all-default ones sometimes left out (the printer's short form). */
function windowAttrs(random: Random, w: Window, withDilations: boolean): Record<string, readonly number[]> {
  const keep = (values: readonly number[], fill: number): boolean => values.some((v) => v !== fill) || random.next() < 0.5;
  return {
    ...(keep(w.strides, 1) ? { strides: w.strides } : {}),
    ...(keep(w.pads, 0) ? { pads: w.pads } : {}),
    ...(withDilations && keep(w.dilations, 1) ? { dilations: w.dilations } : {}),
  };
}

/** 'same' padding at stride 1: the output keeps the input's spatial size (a residual fits). */
function sameWindow(random: Random, spatial: readonly number[]): Window {
  const kernel = spatial.map(() => pick(random, 1, 3) * 2 - 1);
  const dilations = spatial.map(() => pick(random, 1, 2));
  const totals = kernel.map((k, i) => (dilations[i] ?? 1) * (k - 1));
  const begins = totals.map((t) => Math.floor(t / 2));
  return { kernel, strides: spatial.map(() => 1), dilations, pads: [...begins, ...totals.map((t, i) => t - (begins[i] ?? 0))] };
}

function uniform(shape: readonly number[], fanIn: number): Operand {
  return { constShape: shape, data: { kind: 'uniform', bound: 1 / Math.sqrt(Math.max(1, fanIn)) } };
}

/** Group count: 1 half of the time, depthwise (= channels) a quarter, else any divisor. */
function randomGroup(random: Random, channels: number, code: number): number {
  if (code % 4 < 2) return 1;
  if (code % 4 === 2) return channels;
  const divisors = divisorsOf(channels);
  return divisors[pick(random, 0, divisors.length - 1)] ?? 1;
}

const conv: Generator = (step, g) => {
  const x = g.choose(step.a, isImage);
  if (x === undefined) return undefined;
  const random = new Random(step.seed);
  const [, channelDim, ...spatialDims] = x.type.shape;
  const channels = channelDim as number;
  const spatial = spatialDims as number[];
  const wantResidual = ((step.b >> 3) & 3) === 1;
  const group = randomGroup(random, channels, step.c >> 2);
  const outChannels = wantResidual ? channels : group * pick(random, 1, Math.max(1, Math.floor(8 / group)));
  const window = wantResidual ? sameWindow(random, spatial) : randomWindow(random, spatial, 5, 2, false);
  const taps = window.kernel.reduce((n, k) => n * k, 1);
  const fanIn = (channels / group) * taps;
  const operands: Operand[] = [x, uniform([outChannels, channels / group, ...window.kernel], fanIn)];
  if ((step.b & 1) === 1) operands.push(uniform([outChannels], fanIn));
  const activation = randomActivation(step);
  const attrs: Record<string, Attrs[string]> = { ...windowAttrs(random, window, true) };
  if (group !== 1 || random.next() < 0.2) attrs['group'] = group;
  if (activation !== undefined) attrs['activation'] = activation;
  if (wantResidual) {
    const residual = g.choose(step.c, (v) => sameShape(v.type.shape, x.type.shape)) ?? x;
    operands.push(residual);
    attrs['residual'] = 1;
  }
  const params = activationParamCount(activation);
  for (const shape of rotate(paramShapes([x.type.shape[0] ?? 1, outChannels]), step.c)) {
    const slopes = Array.from({ length: params }, (): Operand => ({ constShape: shape, data: { kind: 'uniform', bound: 0.5 } }));
    const made = g.tryNode('conv', [...operands, ...slopes], attrs, step.seed, MAX_WINDOW_RESULT);
    if (made !== undefined || params === 0) return made;
  }
  return undefined;
};

interface TransposeWindow {
  readonly perGroup: number;
  readonly kernel: number[];
  readonly strides: number[];
  readonly dilations: number[];
  readonly outputPadding: number[];
}

/** A transposed-conv window; when its output would pass the cap, a stride-1 one instead. */
function transposeWindow(random: Random, spatial: readonly number[], batch: number, group: number): TransposeWindow {
  const drawn: TransposeWindow = {
    perGroup: pick(random, 1, 3),
    kernel: spatial.map(() => pick(random, 1, 4)),
    strides: spatial.map(() => pick(random, 1, 3)),
    dilations: spatial.map(() => pick(random, 1, 2)),
    outputPadding: spatial.map(() => 0),
  };
  // Below the stride: PyTorch also allows below the dilation, onnxruntime does not.
  drawn.strides.forEach((s, i) => {
    if (random.next() < 0.3) drawn.outputPadding[i] = pick(random, 0, s - 1);
  });
  const size = (w: TransposeWindow): number => batch * w.perGroup * group * spatial.reduce((n, in_, i) =>
    n * ((in_ - 1) * (w.strides[i] ?? 1) + (w.dilations[i] ?? 1) * ((w.kernel[i] ?? 1) - 1) + 1 + (w.outputPadding[i] ?? 0)), 1);
  if (size(drawn) <= MAX_WINDOW_RESULT) return drawn;
  const ones = spatial.map(() => 1);
  return { perGroup: 1, kernel: spatial.map(() => pick(random, 1, 2)), strides: ones, dilations: ones, outputPadding: spatial.map(() => 0) };
}

const convTranspose: Generator = (step, g) => {
  const x = g.choose(step.a, isImage);
  if (x === undefined) return undefined;
  const random = new Random(step.seed);
  const channels = x.type.shape[1] as number;
  const spatial = x.type.shape.slice(2) as number[];
  const group = randomGroup(random, channels, step.c >> 2);
  const { perGroup, kernel, strides, dilations, outputPadding } = transposeWindow(random, spatial, staticBatch(x), group);
  // Pads cut the output; keep at least one element per axis.
  const full = spatial.map((n, i) => (n - 1) * (strides[i] ?? 1) + (dilations[i] ?? 1) * ((kernel[i] ?? 1) - 1) + 1 + (outputPadding[i] ?? 0));
  const begins = full.map((f) => Math.min(pick(random, 0, 2), f - 1));
  const ends = full.map((f, i) => Math.min(pick(random, 0, 2), f - 1 - (begins[i] ?? 0)));
  const fanIn = perGroup * kernel.reduce((n, k) => n * k, 1);
  const operands: Operand[] = [x, uniform([channels, perGroup, ...kernel], fanIn)];
  if ((step.b & 1) === 1) operands.push(uniform([perGroup * group], fanIn));
  const attrs: Record<string, readonly number[] | number> = {
    ...windowAttrs(random, { kernel, strides, dilations, pads: [...begins, ...ends] }, true),
    ...(outputPadding.some((p) => p !== 0) ? { output_padding: outputPadding } : {}),
    ...(group !== 1 ? { group } : {}),
  };
  return g.tryNode('conv_transpose', operands, attrs, step.seed, MAX_WINDOW_RESULT);
};

function pool(op: 'max_pool' | 'avg_pool'): Generator {
  return (step, g) => {
    const x = g.choose(step.a, isImage);
    if (x === undefined) return undefined;
    const random = new Random(step.seed);
    const window = randomWindow(random, x.type.shape.slice(2) as number[], 4, op === 'max_pool' ? 2 : 1, true);
    const attrs: Record<string, readonly number[] | number> = {
      kernel_shape: window.kernel,
      ...windowAttrs(random, window, op === 'max_pool'),
      ...((step.b & 2) !== 0 ? { ceil_mode: 1 } : {}),
      ...(op === 'avg_pool' && (step.b & 4) !== 0 ? { count_include_pad: 1 } : {}),
    };
    return g.tryNode(op, [x], attrs, step.seed, MAX_WINDOW_RESULT);
  };
}

/** An output size for one axis: an integer up- or down-scale, the same size, or any size. */
function resizedSize(random: Random, size: number): number {
  switch (pick(random, 0, 4)) {
    case 0: return size * pick(random, 2, 3);
    case 1: {
      const factors = divisorsOf(size).filter((d) => d > 1);
      return factors.length === 0 ? size * 2 : size / (factors[pick(random, 0, factors.length - 1)] ?? 1);
    }
    case 2: return size;
    default: return pick(random, 1, 2 * size + 1);
  }
}

const COORDINATE_MODES = ['half_pixel', 'asymmetric', 'align_corners', 'pytorch_half_pixel'] as const;
const NEAREST_MODES = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'] as const;

const resize: Generator = (step, g) => {
  const x = g.choose(step.a, isImage);
  if (x === undefined) return undefined;
  const random = new Random(step.seed);
  const spatial = x.type.shape.slice(2) as number[];
  const drawn = spatial.map((size) => resizedSize(random, size));
  // Past the cap, halve instead (a downscale, integer or not).
  const sizes = staticBatch(x) * (x.type.shape[1] as number) * drawn.reduce((n, d) => n * d, 1) <= MAX_WINDOW_RESULT ? drawn : spatial.map((size) => Math.ceil(size / 2));
  const mode = (step.c & 1) === 0 ? 'nearest' : 'linear';
  const attrs = {
    sizes,
    mode,
    coordinate_transformation_mode: COORDINATE_MODES[(step.c >> 1) % COORDINATE_MODES.length] ?? 'half_pixel',
    ...(mode === 'nearest' ? { nearest_mode: NEAREST_MODES[(step.c >> 3) % NEAREST_MODES.length] ?? 'round_prefer_floor' } : {}),
  };
  return g.tryNode('resize', [x], attrs, step.seed, MAX_WINDOW_RESULT);
};

export const WINDOW_GENERATORS: Partial<Record<OpName, Generator>> = {
  conv,
  conv_transpose: convTranspose,
  max_pool: pool('max_pool'),
  avg_pool: pool('avg_pool'),
  resize,
};
