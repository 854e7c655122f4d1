// torch.nn pooling, BatchNorm and Upsample modules for src/nn.ts, with PyTorch's defaults
// (a pool's stride defaults to its kernel; AvgPool counts padding by default). BatchNorm is
// the eval-mode affine map, folded at build time into one per-channel scale and shift:
//   s = weight / sqrt(running_var + eps),  t = bias − running_mean · s
// computed in f64 and rounded to f32 once each (PyTorch's CPU kernel rounds invstd, then
// weight · invstd, then bias − mean · alpha in f32: the two differ by an ulp or two of s
// and t), then applied as mul(x, s) and add(·, t), which -O2 folds into a preceding conv.

import { CompileError } from '../ir/errors.ts';
import { formatType, isSymbolic } from '../ir/types.ts';
import type { GraphBuilder, Value } from './builder.ts';
import { filledParameter, joinName, leaf, moduleNodeName, type Module, type ParameterSpec } from './nn-module.ts';
import { perAxis, type IntOrTuple } from './nn-conv.ts';

export interface MaxPoolModuleOptions {
  /** Default: the kernel size. */
  readonly stride?: IntOrTuple;
  readonly padding?: IntOrTuple;
  readonly dilation?: IntOrTuple;
  readonly ceilMode?: boolean;
}

export interface AvgPoolModuleOptions {
  readonly stride?: IntOrTuple;
  readonly padding?: IntOrTuple;
  readonly ceilMode?: boolean;
  /** Default true, as in PyTorch. */
  readonly countIncludePad?: boolean;
}

function symmetric(padding: IntOrTuple | undefined, rank: number, what: string): number[] {
  const each = perAxis(padding ?? 0, rank, what);
  return [...each, ...each];
}

function maxPoolNd(rank: 1 | 2, kernelSize: IntOrTuple, options: MaxPoolModuleOptions): Module {
  const kind = `max_pool${rank}d`;
  const kernel = perAxis(kernelSize, rank, `${kind} kernel_size`);
  return leaf(kind, (x, b, name) => b.maxPool(x, kernel, {
    strides: perAxis(options.stride ?? kernel, rank, `${kind} stride`),
    pads: symmetric(options.padding, rank, `${kind} padding`),
    dilations: perAxis(options.dilation ?? 1, rank, `${kind} dilation`),
    ceilMode: options.ceilMode ?? false,
  }, name));
}

function avgPoolNd(rank: 1 | 2, kernelSize: IntOrTuple, options: AvgPoolModuleOptions): Module {
  const kind = `avg_pool${rank}d`;
  const kernel = perAxis(kernelSize, rank, `${kind} kernel_size`);
  return leaf(kind, (x, b, name) => b.avgPool(x, kernel, {
    strides: perAxis(options.stride ?? kernel, rank, `${kind} stride`),
    pads: symmetric(options.padding, rank, `${kind} padding`),
    ceilMode: options.ceilMode ?? false,
    countIncludePad: options.countIncludePad ?? true,
  }, name));
}

/** torch.nn.MaxPool1d(kernel_size, stride = kernel_size, padding, dilation, ceil_mode). */
export const maxPool1d = (kernelSize: IntOrTuple, options: MaxPoolModuleOptions = {}): Module => maxPoolNd(1, kernelSize, options);
/** torch.nn.MaxPool2d(kernel_size, stride = kernel_size, padding, dilation, ceil_mode). */
export const maxPool2d = (kernelSize: IntOrTuple, options: MaxPoolModuleOptions = {}): Module => maxPoolNd(2, kernelSize, options);
/** torch.nn.AvgPool1d(kernel_size, stride = kernel_size, padding, ceil_mode, count_include_pad = true). */
export const avgPool1d = (kernelSize: IntOrTuple, options: AvgPoolModuleOptions = {}): Module => avgPoolNd(1, kernelSize, options);
/** torch.nn.AvgPool2d(kernel_size, stride = kernel_size, padding, ceil_mode, count_include_pad = true). */
export const avgPool2d = (kernelSize: IntOrTuple, options: AvgPoolModuleOptions = {}): Module => avgPoolNd(2, kernelSize, options);

/** The static spatial sizes of an [N, C, *S] value with `rank` spatial axes. */
function spatialOf(x: Value, rank: number, kind: string, name: string): number[] {
  const spatial = x.type.shape.slice(2);
  if (x.type.shape.length !== rank + 2 || spatial.some(isSymbolic)) {
    throw new CompileError(`${kind} needs an input [N, C${rank === 1 ? ', L' : ', H, W'}] with static sizes, got ${formatType(x.type)}`, { node: name });
  }
  return spatial as number[];
}

/**
 * Adaptive pooling to `outputSize`: size 1 everywhere is a reduction over the spatial axes
 * (global pooling); otherwise each input size must be a multiple of its output size, and the
 * windows are then the regular pool with kernel = stride = in / out (PyTorch's windows in
 * that case). Other sizes would need uneven windows, which no op expresses.
 */
function adaptivePoolNd(rank: 1 | 2, combine: 'avg' | 'max', outputSize: IntOrTuple): Module {
  const kind = `adaptive_${combine}_pool${rank}d`;
  const out = perAxis(outputSize, rank, `${kind} output_size`);
  return leaf(kind, (x, b, name) => {
    const spatial = spatialOf(x, rank, kind, name);
    const axes = spatial.map((_, i) => i + 2);
    if (out.every((o) => o === 1)) return combine === 'avg' ? b.reduceMean(x, axes, true, name) : b.reduceMax(x, axes, true, name);
    if (spatial.some((size, i) => size % (out[i] ?? 1) !== 0)) {
      throw new CompileError(`${kind}: input sizes [${spatial.join(', ')}] must be multiples of output_size [${out.join(', ')}]`, { node: name });
    }
    const kernel = spatial.map((size, i) => size / (out[i] ?? 1));
    return combine === 'avg' ? b.avgPool(x, kernel, { strides: kernel }, name) : b.maxPool(x, kernel, { strides: kernel }, name);
  });
}

/** torch.nn.AdaptiveAvgPool1d(output_size); output_size 1 is reduce_mean over L. */
export const adaptiveAvgPool1d = (outputSize: IntOrTuple): Module => adaptivePoolNd(1, 'avg', outputSize);
/** torch.nn.AdaptiveAvgPool2d(output_size); (1, 1) is global average pooling, reduce_mean over [2, 3]. */
export const adaptiveAvgPool2d = (outputSize: IntOrTuple): Module => adaptivePoolNd(2, 'avg', outputSize);
export const adaptiveMaxPool1d = (outputSize: IntOrTuple): Module => adaptivePoolNd(1, 'max', outputSize);
export const adaptiveMaxPool2d = (outputSize: IntOrTuple): Module => adaptivePoolNd(2, 'max', outputSize);

export interface BatchNormOptions {
  readonly eps?: number;
  /** Learnable weight and bias (default true); without, s = 1/sqrt(var + eps), t = −mean · s. */
  readonly affine?: boolean;
  /** Must stay true: inference uses the running statistics. */
  readonly trackRunningStats?: boolean;
}

function batchNormNd(kind: string, ranks: readonly number[], numFeatures: number, options: BatchNormOptions): Module {
  if (options.trackRunningStats === false) {
    throw new CompileError(`${kind}: track_running_stats=False normalizes by batch statistics, which inference does not have`);
  }
  const eps = options.eps ?? 1e-5;
  const affine = options.affine ?? true;
  const shape = [numFeatures];
  const specs: ParameterSpec[] = [
    ...(affine ? [filledParameter('weight', shape, 1), filledParameter('bias', shape, 0)] : []),
    filledParameter('running_mean', shape, 0),
    filledParameter('running_var', shape, 1),
  ];
  return {
    kind,
    parameters: (prefix) => specs.map((spec) => ({ name: joinName(prefix, spec.name), spec })),
    buffers: (prefix) => [joinName(prefix, 'num_batches_tracked')],
    build(x, context, prefix) {
      const { builder } = context;
      const name = moduleNodeName(builder, prefix, kind);
      const rank = x.type.shape.length;
      if (!ranks.includes(rank) || x.type.shape[1] !== numFeatures) {
        throw new CompileError(`${kind}(${numFeatures}) needs an input of rank ${ranks.join(' or ')} with ${numFeatures} channels on axis 1, got ${formatType(x.type)}`, { node: name });
      }
      const data = new Map(specs.map((spec) => [spec.name, context.parameterData(joinName(prefix, spec.name), spec)]));
      const at = (key: string, c: number, fallback: number): number => data.get(key)?.[c] ?? fallback;
      const scale = new Float32Array(numFeatures);
      const shift = new Float32Array(numFeatures);
      for (let c = 0; c < numFeatures; c++) {
        scale[c] = at('weight', c, 1) / Math.sqrt(at('running_var', c, 1) + eps);
        shift[c] = at('bias', c, 0) - at('running_mean', c, 0) * (scale[c] ?? 0);
      }
      // One value per channel, aligned on axis 1: [C] for [N, C], [C, 1] for [N, C, L], …
      const perChannel = [numFeatures, ...new Array<number>(rank - 2).fill(1)];
      const s = builder.constant(scale, perChannel, builder.freshName(joinName(prefix === '' ? kind : prefix, 'scale')));
      const t = builder.constant(shift, perChannel, builder.freshName(joinName(prefix === '' ? kind : prefix, 'shift')));
      return builder.add(builder.mul(x, s, builder.freshName(`${name}.scaled`)), t, name);
    },
  };
}

/** torch.nn.BatchNorm1d(num_features, eps, affine) in eval mode, on [N, C] or [N, C, L]. */
export const batchNorm1d = (numFeatures: number, options: BatchNormOptions = {}): Module => batchNormNd('batch_norm1d', [2, 3], numFeatures, options);
/** torch.nn.BatchNorm2d(num_features, eps, affine) in eval mode, on [N, C, H, W]. */
export const batchNorm2d = (numFeatures: number, options: BatchNormOptions = {}): Module => batchNormNd('batch_norm2d', [4], numFeatures, options);

export interface UpsampleOptions {
  /** Output spatial sizes; or give scaleFactor. */
  readonly size?: IntOrTuple;
  /** Integer scale per axis (output = input · scale). */
  readonly scaleFactor?: IntOrTuple;
  /** nearest (default) or linear/bilinear. */
  readonly mode?: 'nearest' | 'linear' | 'bilinear';
  readonly alignCorners?: boolean;
}

/**
 * torch.nn.Upsample: nearest as PyTorch computes it (asymmetric coordinates, floor); linear
 * with align_corners, or else half_pixel: PyTorch's (k + 0.5)·in/out − 0.5 clamped at 0,
 * which is ONNX's half_pixel with edge clamping. Not pytorch_half_pixel (what PyTorch
 * exports): ONNX defines it as coordinate 0 for an output size of 1, where PyTorch samples
 * the middle (9 → 1 gives x[4]).
 */
export function upsample(options: UpsampleOptions): Module {
  const kind = 'upsample';
  const mode = options.mode ?? 'nearest';
  if (mode === 'nearest' && options.alignCorners !== undefined) throw new CompileError('upsample: align_corners only applies to linear modes');
  return leaf(kind, (x: Value, b: GraphBuilder, name: string) => {
    const spatial = spatialOf(x, x.type.shape.length - 2, kind, name);
    const sizes = options.size !== undefined
      ? perAxis(options.size, spatial.length, 'upsample size')
      : spatial.map((s, i) => s * (perAxis(options.scaleFactor ?? 1, spatial.length, 'upsample scale_factor')[i] ?? 1));
    if (sizes.some((s) => !Number.isInteger(s) || s < 1)) throw new CompileError(`upsample: output sizes must be positive integers, got [${sizes.join(', ')}]`, { node: name });
    if (mode === 'nearest') return b.resize(x, sizes, { mode: 'nearest', coordinateTransformationMode: 'asymmetric', nearestMode: 'floor' }, name);
    const coordinates = options.alignCorners === true ? 'align_corners' : 'half_pixel';
    return b.resize(x, sizes, { mode: 'linear', coordinateTransformationMode: coordinates }, name);
  });
}
