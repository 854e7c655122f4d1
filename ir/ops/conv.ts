// Convolutions over [N, C, L] and [N, C, H, W] tensors (PyTorch and ONNX layout): `conv` with
// groups, an optional bias, an optional fused residual add and a fused activation exactly like
// `linear`'s, and `conv_transpose`. Float semantics follow `linear`: each output's sum of
// products accumulates in f64 in index order (channel, then taps row-major) and rounds to f32
// once; the bias, then the residual, are f32 adds; the activation is f32 arithmetic.

import { CompileError } from '../errors.ts';
import { formatShape, formatType, isSymbolic, sizeOf, stridesOf, type StaticShape, type TensorType } from '../types.ts';
import { activationAttr, floatAttr, intsAttr } from './attrs.ts';
import { evaluateElementwise } from './elementwise.ts';
import { activationDef, activationParamCount } from './linear.ts';
import type { Attrs, OpDef, Tensor } from './types.ts';
import { forEachIndex, spatialSizes, windowGeometry, windowOutShape, type WindowGeometry } from './window.ts';

/** Where a conv node's operands sit: x, W, optional bias, optional residual, activation params. */
export function convLayout(inputCount: number, attrs: Attrs): { hasBias: boolean; residual?: number; paramStart: number } {
  const params = activationParamCount(activationAttr(attrs));
  const residual = floatAttr(attrs, 'residual') !== 0 ? 1 : 0;
  const hasBias = inputCount - 2 - residual - params === 1;
  const afterBias = hasBias ? 3 : 2;
  return residual === 1 ? { hasBias, residual: afterBias, paramStart: afterBias + 1 } : { hasBias, paramStart: afterBias };
}

function staticWeight(w: TensorType, what: string): number[] {
  if (w.shape.some(isSymbolic)) throw new CompileError(`${what} must have a static shape, got ${formatType(w)}`);
  return w.shape as number[];
}

/** The geometry of a conv node whose operand shapes are known. */
export function convGeometry(x: TensorType, w: TensorType, attrs: Attrs): WindowGeometry {
  const inSize = spatialSizes(x.shape);
  const wShape = staticWeight(w, 'weight');
  if (wShape.length !== x.shape.length) {
    throw new CompileError(`weight must be [M, C/group, ${inSize.map(() => 'k').join(', ')}] for input ${formatType(x)}, got ${formatType(w)}`);
  }
  return windowGeometry(inSize, wShape.slice(2), attrs);
}

function checkGroups(channels: number, outChannels: number, groupChannels: number, group: number, x: TensorType, w: TensorType): void {
  if (!Number.isInteger(group) || group < 1) throw new CompileError(`group must be >= 1, got ${group}`);
  if (channels % group !== 0) throw new CompileError(`group ${group} does not divide the ${channels} input channels of ${formatType(x)}`);
  if (outChannels % group !== 0) throw new CompileError(`group ${group} does not divide the ${outChannels} output channels of weight ${formatType(w)}`);
  if (groupChannels !== channels / group) {
    throw new CompileError(`weight ${formatType(w)} needs ${channels / group} input channels per group (input ${formatType(x)}, group ${group}), got ${groupChannels}`);
  }
}

function inferConv(inputs: readonly TensorType[], attrs: Attrs): TensorType {
  const activation = activationAttr(attrs);
  if (activation !== undefined && activationDef(activation.op) === undefined) {
    throw new CompileError(`activation '${activation.op}' is not an activation op`);
  }
  const params = activationParamCount(activation);
  const residual = floatAttr(attrs, 'residual');
  if (residual !== 0 && residual !== 1) throw new CompileError(`residual must be 0 or 1, got ${residual}`);
  const biasCount = inputs.length - 2 - residual - params;
  if (biasCount !== 0 && biasCount !== 1) {
    throw new CompileError(`expects (x, weight[, bias]${residual ? ', residual' : ''}${params > 0 ? ', activation params' : ''}), got ${inputs.length} operands`);
  }
  const [x, w] = inputs;
  if (x === undefined || w === undefined) throw new CompileError('expects x and weight');
  const geometry = convGeometry(x, w, attrs);
  const [outChannels = 0, groupChannels = 0] = w.shape as number[];
  const channels = x.shape[1];
  if (typeof channels !== 'number') throw new CompileError(`input channels must be static, got ${formatType(x)}`);
  checkGroups(channels, outChannels, groupChannels, floatAttr(attrs, 'group'), x, w);
  if (biasCount === 1) {
    const b = inputs[2];
    if (b === undefined || b.shape.length !== 1 || b.shape[0] !== outChannels) {
      throw new CompileError(`bias must be f32[${outChannels}] for weight ${formatType(w)}, got ${b ? formatType(b) : 'nothing'}`);
    }
  }
  const out: TensorType = { dtype: 'f32', shape: windowOutShape(x.shape, outChannels, geometry) };
  if (residual === 1) {
    const r = inputs[2 + biasCount];
    if (r === undefined || r.shape.length !== out.shape.length || r.shape.some((d, i) => d !== out.shape[i])) {
      throw new CompileError(`residual must have the output's shape ${formatShape(out.shape)}, got ${r ? formatType(r) : 'nothing'}`);
    }
  }
  if (activation !== undefined) activationDef(activation.op)?.inferType([out, ...inputs.slice(2 + biasCount + residual)], activation.attrs);
  return out;
}

/** Adds bias, residual and the activation to rounded sums, as `linear` does. */
function convEpilogue(sums: Float32Array, inputs: readonly Tensor[], attrs: Attrs, outShape: StaticShape, channelOf: (flat: number) => number): Float32Array {
  const { hasBias, residual, paramStart } = convLayout(inputs.length, attrs);
  const bias = hasBias ? inputs[2] : undefined;
  const res = residual === undefined ? undefined : inputs[residual];
  for (let flat = 0; flat < sums.length; flat++) {
    if (bias !== undefined) sums[flat] = (sums[flat] ?? 0) + (bias.data[channelOf(flat)] ?? NaN);
    if (res !== undefined) sums[flat] = (sums[flat] ?? 0) + (res.data[flat] ?? NaN);
  }
  const activation = activationAttr(attrs);
  const spec = activation ? activationDef(activation.op)?.elementwise : undefined;
  if (activation === undefined || spec === undefined) return sums;
  return evaluateElementwise(spec, activation.attrs, [{ shape: outShape, data: sums }, ...inputs.slice(paramStart)], outShape);
}

/** Where output o of sample n, channel m reads: the strides and its group's first input channel. */
export interface ConvSite {
  readonly g: WindowGeometry;
  readonly xStrides: readonly number[];
  readonly wStrides: readonly number[];
  readonly n: number;
  readonly m: number;
  readonly firstChannel: number;
  readonly groupChannels: number;
}

/**
 * Visits the (x offset, w offset) of every tap of output o that lies inside the input, in the
 * interpreter's summation order (group channel, then taps row-major); padding taps are skipped.
 */
export function forEachConvTap(site: ConvSite, o: readonly number[], visit: (xAt: number, wAt: number) => void): void {
  const { g, xStrides, wStrides } = site;
  for (let c = 0; c < site.groupChannels; c++) {
    const xBase = site.n * (xStrides[0] ?? 0) + (site.firstChannel + c) * (xStrides[1] ?? 0);
    const wBase = site.m * (wStrides[0] ?? 0) + c * (wStrides[1] ?? 0);
    forEachIndex(g.kernel, (t) => {
      let xAt = xBase;
      let wAt = wBase;
      for (let axis = 0; axis < t.length; axis++) {
        const i = (o[axis] ?? 0) * (g.strides[axis] ?? 1) + (t[axis] ?? 0) * (g.dilations[axis] ?? 1) - (g.padBegin[axis] ?? 0);
        if (i < 0 || i >= (g.inSize[axis] ?? 0)) return;
        xAt += i * (xStrides[axis + 2] ?? 0);
        wAt += (t[axis] ?? 0) * (wStrides[axis + 2] ?? 0);
      }
      visit(xAt, wAt);
    });
  }
}

/**
 * conv_transpose's gather form of the same walk: the (x offset, w offset) of every (input
 * channel, tap) that scatters into output o, in the interpreter's order (the group's input
 * channels, then taps row-major). `site.m` is the output channel within its group, the weight
 * being [inChannels, perGroup, ...kernel].
 */
export function forEachConvTransposeTap(site: ConvSite, o: readonly number[], visit: (xAt: number, wAt: number) => void): void {
  const { g, xStrides, wStrides } = site;
  for (let c = site.firstChannel; c < site.firstChannel + site.groupChannels; c++) {
    forEachIndex(g.kernel, (t) => {
      let xAt = site.n * (xStrides[0] ?? 0) + c * (xStrides[1] ?? 0);
      let wAt = c * (wStrides[0] ?? 0) + site.m * (wStrides[1] ?? 0);
      for (let axis = 0; axis < t.length; axis++) {
        const s = g.strides[axis] ?? 1;
        const shifted = (o[axis] ?? 0) + (g.padBegin[axis] ?? 0) - (t[axis] ?? 0) * (g.dilations[axis] ?? 1);
        if (shifted < 0 || shifted % s !== 0 || shifted / s >= (g.inSize[axis] ?? 0)) return;
        xAt += (shifted / s) * (xStrides[axis + 2] ?? 0);
        wAt += (t[axis] ?? 0) * (wStrides[axis + 2] ?? 0);
      }
      visit(xAt, wAt);
    });
  }
}

function evaluateConv(inputs: readonly Tensor[], attrs: Attrs, outShape: StaticShape): Float32Array {
  const [x, w] = inputs;
  if (x === undefined || w === undefined) throw new CompileError('internal: conv without operands');
  const g = windowGeometry(x.shape.slice(2), w.shape.slice(2), attrs);
  const [batch = 1] = x.shape;
  const [outChannels = 1, groupChannels = 1] = w.shape;
  const group = floatAttr(attrs, 'group');
  const perGroup = outChannels / group;
  const xStrides = stridesOf(x.shape);
  const wStrides = stridesOf(w.shape);
  const outSpatial = sizeOf(g.outSize);
  const out = new Float32Array(sizeOf(outShape));
  let flat = 0;
  for (let n = 0; n < batch; n++) {
    for (let m = 0; m < outChannels; m++) {
      const firstChannel = Math.floor(m / perGroup) * groupChannels;
      forEachIndex(g.outSize, (o) => {
        let acc = 0;
        forEachConvTap({ g, xStrides, wStrides, n, m, firstChannel, groupChannels }, o, (xAt, wAt) => {
          acc += (x.data[xAt] ?? NaN) * (w.data[wAt] ?? NaN);
        });
        out[flat++] = acc;
      });
    }
  }
  return convEpilogue(out, inputs, attrs, outShape, (i) => Math.floor(i / outSpatial) % outChannels);
}

/** conv_transpose output size per spatial axis: (in - 1)·s − pads + d·(k − 1) + 1 + output_padding. */
export function convTransposeGeometry(x: TensorType, w: TensorType, attrs: Attrs): WindowGeometry {
  const inSize = spatialSizes(x.shape);
  const wShape = staticWeight(w, 'weight');
  if (wShape.length !== x.shape.length) {
    throw new CompileError(`weight must be [C, M/group, ${inSize.map(() => 'k').join(', ')}] for input ${formatType(x)}, got ${formatType(w)}`);
  }
  const kernel = wShape.slice(2);
  const rank = inSize.length;
  const strides = intsAttr(attrs, 'strides').length === 0 ? new Array<number>(rank).fill(1) : [...intsAttr(attrs, 'strides')];
  const dilations = intsAttr(attrs, 'dilations').length === 0 ? new Array<number>(rank).fill(1) : [...intsAttr(attrs, 'dilations')];
  if (strides.length !== rank || strides.some((s) => s < 1)) throw new CompileError(`strides must be ${rank} values >= 1, got ${formatShape(strides)}`);
  if (dilations.length !== rank || dilations.some((d) => d < 1)) throw new CompileError(`dilations must be ${rank} values >= 1, got ${formatShape(dilations)}`);
  const pads = intsAttr(attrs, 'pads');
  const padBegin = pads.length === 0 ? new Array<number>(rank).fill(0) : pads.slice(0, rank);
  const padEnd = pads.length === 0 ? new Array<number>(rank).fill(0) : pads.slice(rank);
  if (pads.length !== 0 && pads.length !== 2 * rank) throw new CompileError(`pads needs ${2 * rank} values, got ${formatShape(pads)}`);
  if (pads.some((p) => p < 0)) throw new CompileError(`pads must be >= 0, got ${formatShape(pads)}`);
  const extra = intsAttr(attrs, 'output_padding');
  const outputPadding = extra.length === 0 ? new Array<number>(rank).fill(0) : [...extra];
  if (outputPadding.length !== rank) throw new CompileError(`output_padding needs ${rank} values, got ${formatShape(extra)}`);
  const outSize = inSize.map((size, axis) => {
    const s = strides[axis] ?? 1;
    const d = dilations[axis] ?? 1;
    const op = outputPadding[axis] ?? 0;
    if (op < 0 || (op >= s && op >= d)) throw new CompileError(`output_padding ${op} must be >= 0 and below the stride or the dilation`);
    const out = (size - 1) * s - (padBegin[axis] ?? 0) - (padEnd[axis] ?? 0) + d * ((kernel[axis] ?? 1) - 1) + 1 + op;
    if (out < 1) throw new CompileError(`output size on spatial axis ${axis} would be ${out} (below 1)`);
    return out;
  });
  return { inSize, kernel, strides, dilations, padBegin, padEnd, outSize };
}

function inferConvTranspose(inputs: readonly TensorType[], attrs: Attrs): TensorType {
  const [x, w, b] = inputs;
  if (x === undefined || w === undefined) throw new CompileError('expects x and weight');
  const geometry = convTransposeGeometry(x, w, attrs);
  const [inChannels = 0, perGroup = 0] = w.shape as number[];
  const group = floatAttr(attrs, 'group');
  const channels = x.shape[1];
  if (!Number.isInteger(group) || group < 1) throw new CompileError(`group must be >= 1, got ${group}`);
  if (channels !== inChannels) throw new CompileError(`weight ${formatType(w)} needs ${inChannels} input channels, got ${formatType(x)}`);
  if (inChannels % group !== 0) throw new CompileError(`group ${group} does not divide the ${inChannels} input channels`);
  const outChannels = perGroup * group;
  if (b !== undefined && (b.shape.length !== 1 || b.shape[0] !== outChannels)) {
    throw new CompileError(`bias must be f32[${outChannels}], got ${formatType(b)}`);
  }
  return { dtype: 'f32', shape: windowOutShape(x.shape, outChannels, geometry) };
}

function evaluateConvTranspose(inputs: readonly Tensor[], attrs: Attrs, outShape: StaticShape): Float32Array {
  const [x, w, b] = inputs;
  if (x === undefined || w === undefined) throw new CompileError('internal: conv_transpose without operands');
  const xType: TensorType = { dtype: 'f32', shape: x.shape };
  const g = convTransposeGeometry(xType, { dtype: 'f32', shape: w.shape }, attrs);
  const [batch = 1, inChannels = 1] = x.shape;
  const perGroup = w.shape[1] ?? 1;
  const group = floatAttr(attrs, 'group');
  const groupIn = inChannels / group;
  const outChannels = perGroup * group;
  const xStrides = stridesOf(x.shape);
  const wStrides = stridesOf(w.shape);
  const out = new Float32Array(sizeOf(outShape));
  let flat = 0;
  for (let n = 0; n < batch; n++) {
    for (let m = 0; m < outChannels; m++) {
      const grp = Math.floor(m / perGroup);
      const local = m % perGroup;
      const site = { g, xStrides, wStrides, n, m: local, firstChannel: grp * groupIn, groupChannels: groupIn };
      forEachIndex(g.outSize, (o) => {
        let acc = 0;
        forEachConvTransposeTap(site, o, (xAt, wAt) => {
          acc += (x.data[xAt] ?? NaN) * (w.data[wAt] ?? NaN);
        });
        out[flat++] = b === undefined ? acc : Math.fround(acc) + (b.data[m] ?? NaN);
      });
    }
  }
  return out;
}

const windowAttrs = {
  strides: { type: 'ints', default: [] },
  pads: { type: 'ints', default: [] },
  dilations: { type: 'ints', default: [] },
  group: { type: 'int', default: 1 },
} as const;

export const convOps = {
  conv: {
    name: 'conv', kind: 'linear', pure: true, arity: { min: 2, max: 6 },
    attrs: { ...windowAttrs, activation: { type: 'activation' }, residual: { type: 'int', default: 0 } },
    featureAxis: 1,
    doc: 'x[N,C,*S] ⋆ W[M,C/group,*K] (1-D or 2-D; pads = begins then ends) + b[M] + residual, then the optional fused activation; operands x, W[, b][, residual][, activation params]',
    inferType: inferConv,
    evaluate: evaluateConv,
  },
  conv_transpose: {
    name: 'conv_transpose', kind: 'linear', pure: true, arity: { min: 2, max: 3 },
    attrs: { ...windowAttrs, output_padding: { type: 'ints', default: [] } },
    doc: 'transposed convolution: x[N,C,*S], W[C,M/group,*K], optional b[M]; out = (S-1)·stride − pads + dilation·(K−1) + 1 + output_padding',
    inferType: inferConvTranspose,
    evaluate: evaluateConvTranspose,
  },
} satisfies Record<string, OpDef>;
