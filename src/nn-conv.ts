// torch.nn.Conv1d/Conv2d and ConvTranspose1d/ConvTranspose2d as src/nn.ts modules: PyTorch's
// parameter names (`weight`, `bias`), shapes and default initialisation (weight and bias
// uniform in ±1/sqrt(fan_in), kaiming_uniform with a = sqrt(5)), and its padding arguments
// (an int, a tuple, 'same' or 'valid'; padding_mode zeros, reflect or replicate).

import { CompileError } from '../ir/errors.ts';
import type { GraphBuilder, Value } from './builder.ts';
import { joinName, moduleNodeName, uniformParameter, type Module, type ParameterSpec } from './nn-module.ts';

/** An int for every spatial axis, or one per axis (PyTorch's `_single`/`_pair`). */
export type IntOrTuple = number | readonly number[];

export interface ConvModuleOptions {
  readonly stride?: IntOrTuple;
  /** Zero padding on both sides of each axis, or 'same' (stride 1 only) or 'valid'. */
  readonly padding?: IntOrTuple | 'same' | 'valid';
  readonly dilation?: IntOrTuple;
  readonly groups?: number;
  readonly bias?: boolean;
  /** How padding is filled: zeros (in the conv), reflect or replicate (a `pad` node before it). */
  readonly paddingMode?: 'zeros' | 'reflect' | 'replicate';
}

export interface ConvTransposeModuleOptions {
  readonly stride?: IntOrTuple;
  readonly padding?: IntOrTuple;
  readonly outputPadding?: IntOrTuple;
  readonly dilation?: IntOrTuple;
  readonly groups?: number;
  readonly bias?: boolean;
}

export function perAxis(value: IntOrTuple, rank: number, what: string): number[] {
  if (typeof value === 'number') return new Array<number>(rank).fill(value);
  if (value.length !== rank) throw new CompileError(`${what} needs ${rank} value(s), got [${value.join(', ')}]`);
  return [...value];
}

function checkGroups(kind: string, inChannels: number, outChannels: number, groups: number): void {
  if (!Number.isInteger(groups) || groups < 1) throw new CompileError(`${kind}: groups must be a positive integer, got ${groups}`);
  if (inChannels % groups !== 0) throw new CompileError(`${kind}: in_channels ${inChannels} must be divisible by groups ${groups}`);
  if (outChannels % groups !== 0) throw new CompileError(`${kind}: out_channels ${outChannels} must be divisible by groups ${groups}`);
}

/** ONNX-order pads (begins, then ends) for PyTorch's `padding` argument. */
function convPads(padding: ConvModuleOptions['padding'], kernel: readonly number[], dilation: readonly number[], stride: readonly number[], kind: string): number[] {
  if (padding === 'valid') return kernel.map(() => 0).concat(kernel.map(() => 0));
  if (padding === 'same') {
    if (stride.some((s) => s !== 1)) throw new CompileError(`${kind}: padding='same' needs stride 1, got [${stride.join(', ')}]`);
    // As PyTorch does: the odd extra pad goes at the end.
    const totals = kernel.map((k, i) => (dilation[i] ?? 1) * (k - 1));
    const begins = totals.map((t) => Math.floor(t / 2));
    return [...begins, ...totals.map((t, i) => t - (begins[i] ?? 0))];
  }
  const each = perAxis(padding ?? 0, kernel.length, `${kind} padding`);
  return [...each, ...each];
}

/** A `pad` node over the spatial axes of [N, C, *S] that fills `pads` by reflect or edge. */
function padSpatial(builder: GraphBuilder, x: Value, pads: readonly number[], mode: 'reflect' | 'edge', name: string): Value {
  const rank = pads.length / 2;
  return builder.pad(x, [0, 0, ...pads.slice(0, rank), 0, 0, ...pads.slice(rank)], mode, 0, name);
}

function convNd(rank: 1 | 2, inChannels: number, outChannels: number, kernelSize: IntOrTuple, options: ConvModuleOptions): Module {
  const kind = `conv${rank}d`;
  const groups = options.groups ?? 1;
  checkGroups(kind, inChannels, outChannels, groups);
  const kernel = perAxis(kernelSize, rank, `${kind} kernel_size`);
  const stride = perAxis(options.stride ?? 1, rank, `${kind} stride`);
  const dilation = perAxis(options.dilation ?? 1, rank, `${kind} dilation`);
  const pads = convPads(options.padding, kernel, dilation, stride, kind);
  const bound = 1 / Math.sqrt((inChannels / groups) * kernel.reduce((n, k) => n * k, 1));
  const weight = uniformParameter('weight', [outChannels, inChannels / groups, ...kernel], bound);
  const bias = uniformParameter('bias', [outChannels], bound);
  const specs: ParameterSpec[] = options.bias ?? true ? [weight, bias] : [weight];
  const mode = options.paddingMode ?? 'zeros';
  return {
    kind,
    parameters: (prefix) => specs.map((spec) => ({ name: joinName(prefix, spec.name), spec })),
    build(x, context, prefix) {
      const { builder } = context;
      const w = context.parameter(joinName(prefix, 'weight'), weight);
      const b = specs.includes(bias) ? context.parameter(joinName(prefix, 'bias'), bias) : undefined;
      const padded = mode === 'zeros' || pads.every((p) => p === 0)
        ? x
        : padSpatial(builder, x, pads, mode === 'reflect' ? 'reflect' : 'edge', moduleNodeName(builder, prefix === '' ? '' : `${prefix}.pad`, 'pad'));
      const convPadsAttr = padded === x ? pads : pads.map(() => 0);
      return builder.conv(padded, w, {
        strides: stride, pads: convPadsAttr, dilations: dilation, group: groups, ...(b ? { bias: b } : {}),
      }, moduleNodeName(builder, prefix, kind));
    },
  };
}

/** torch.nn.Conv1d(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode) on [N, C, L]. */
export function conv1d(inChannels: number, outChannels: number, kernelSize: IntOrTuple, options: ConvModuleOptions = {}): Module {
  return convNd(1, inChannels, outChannels, kernelSize, options);
}

/** torch.nn.Conv2d(in_channels, out_channels, kernel_size, …) on [N, C, H, W]. */
export function conv2d(inChannels: number, outChannels: number, kernelSize: IntOrTuple, options: ConvModuleOptions = {}): Module {
  return convNd(2, inChannels, outChannels, kernelSize, options);
}

function convTransposeNd(rank: 1 | 2, inChannels: number, outChannels: number, kernelSize: IntOrTuple, options: ConvTransposeModuleOptions): Module {
  const kind = `conv_transpose${rank}d`;
  const groups = options.groups ?? 1;
  checkGroups(kind, inChannels, outChannels, groups);
  const kernel = perAxis(kernelSize, rank, `${kind} kernel_size`);
  const padding = perAxis(options.padding ?? 0, rank, `${kind} padding`);
  // PyTorch computes fan_in from the weight's dim 1 (out_channels / groups) times the kernel.
  const bound = 1 / Math.sqrt((outChannels / groups) * kernel.reduce((n, k) => n * k, 1));
  const weight = uniformParameter('weight', [inChannels, outChannels / groups, ...kernel], bound);
  const bias = uniformParameter('bias', [outChannels], bound);
  const specs: ParameterSpec[] = options.bias ?? true ? [weight, bias] : [weight];
  return {
    kind,
    parameters: (prefix) => specs.map((spec) => ({ name: joinName(prefix, spec.name), spec })),
    build(x, context, prefix) {
      const w = context.parameter(joinName(prefix, 'weight'), weight);
      const b = specs.includes(bias) ? context.parameter(joinName(prefix, 'bias'), bias) : undefined;
      return context.builder.convTranspose(x, w, {
        strides: perAxis(options.stride ?? 1, rank, `${kind} stride`),
        pads: [...padding, ...padding],
        outputPadding: perAxis(options.outputPadding ?? 0, rank, `${kind} output_padding`),
        dilations: perAxis(options.dilation ?? 1, rank, `${kind} dilation`),
        group: groups,
        ...(b ? { bias: b } : {}),
      }, moduleNodeName(context.builder, prefix, kind));
    },
  };
}

/** torch.nn.ConvTranspose1d(in_channels, out_channels, kernel_size, stride, padding, output_padding, groups, bias, dilation). */
export function convTranspose1d(inChannels: number, outChannels: number, kernelSize: IntOrTuple, options: ConvTransposeModuleOptions = {}): Module {
  return convTransposeNd(1, inChannels, outChannels, kernelSize, options);
}

/** torch.nn.ConvTranspose2d(in_channels, out_channels, kernel_size, …) on [N, C, H, W]. */
export function convTranspose2d(inChannels: number, outChannels: number, kernelSize: IntOrTuple, options: ConvTransposeModuleOptions = {}): Module {
  return convTransposeNd(2, inChannels, outChannels, kernelSize, options);
}
