// ONNX window attributes (kernel_shape, strides, dilations, pads, auto_pad) read and checked
// once for Conv, ConvTranspose, MaxPool and AveragePool. auto_pad is not an IR attribute:
// it is resolved here to explicit pads, and pads that contradict it are refused.

import { CompileError } from '../../../ir/errors.ts';
import { formatShape } from '../../../ir/types.ts';
import type { NodeView } from './node-view.ts';

export type AutoPad = 'NOTSET' | 'VALID' | 'SAME_UPPER' | 'SAME_LOWER';

export function autoPadOf(node: NodeView): AutoPad {
  const value = node.string('auto_pad', 'NOTSET');
  if (value === 'NOTSET' || value === 'VALID' || value === 'SAME_UPPER' || value === 'SAME_LOWER') return value;
  throw new CompileError(`auto_pad must be NOTSET, VALID, SAME_UPPER or SAME_LOWER, found ${JSON.stringify(value)}`);
}

/** An ints attribute with one value >= 1 per spatial axis (absent or empty: 1 each). */
export function positivePerAxis(node: NodeView, name: string, rank: number): number[] {
  const given = node.ints(name);
  if (given === undefined || given.length === 0) return new Array<number>(rank).fill(1);
  if (given.length !== rank) throw new CompileError(`${name} needs ${rank} values (one per spatial axis), got ${formatShape(given)}`);
  if (given.some((v) => v < 1)) throw new CompileError(`${name} must be >= 1, got ${formatShape(given)}`);
  return given;
}

/** The pads attribute (begins then ends), checked; undefined when absent or empty. */
export function explicitPads(node: NodeView, rank: number): number[] | undefined {
  const pads = node.ints('pads');
  if (pads === undefined || pads.length === 0) return undefined;
  if (pads.length !== 2 * rank) throw new CompileError(`pads needs ${2 * rank} values (begins then ends), got ${formatShape(pads)}`);
  if (pads.some((p) => p < 0)) throw new CompileError(`pads must be >= 0, got ${formatShape(pads)}`);
  return pads;
}

/** Splits a total padding between begin and end: SAME_UPPER puts the odd one at the end. */
function splitPad(total: number, upperAtEnd: boolean): [number, number] {
  const small = Math.floor(total / 2);
  return upperAtEnd ? [small, total - small] : [total - small, small];
}

/** Fails when explicit pads were given and differ from the ones auto_pad implies. */
export function checkPadsAgree(given: readonly number[] | undefined, resolved: readonly number[], why: string): void {
  if (given === undefined || given.every((p, i) => p === resolved[i])) return;
  throw new CompileError(`${why} implies pads ${formatShape(resolved)}, which conflicts with the pads attribute ${formatShape(given)}; give one or the other`);
}

/**
 * Pads of a Conv or pooling window: explicit (NOTSET), none (VALID), or SAME_UPPER/LOWER,
 * whose output size is ceil(in / stride) with total padding (out−1)·stride + span − in
 * (never negative), the odd pixel at the end (UPPER) or the beginning (LOWER).
 */
export function windowPads(node: NodeView, inSize: readonly number[], spans: readonly number[], strides: readonly number[]): number[] {
  const rank = inSize.length;
  const autoPad = autoPadOf(node);
  const given = explicitPads(node, rank);
  if (autoPad === 'NOTSET') return given ?? new Array<number>(2 * rank).fill(0);
  let resolved = new Array<number>(2 * rank).fill(0);
  if (autoPad !== 'VALID') {
    const begin: number[] = [];
    const end: number[] = [];
    inSize.forEach((size, axis) => {
      const stride = strides[axis] ?? 1;
      const out = Math.ceil(size / stride);
      const total = Math.max(0, (out - 1) * stride + (spans[axis] ?? 1) - size);
      const [b, e] = splitPad(total, autoPad === 'SAME_UPPER');
      begin.push(b);
      end.push(e);
    });
    resolved = [...begin, ...end];
  }
  checkPadsAgree(given, resolved, `auto_pad ${autoPad}`);
  return resolved;
}

/** kernel_shape, when given, must agree with the weight's spatial dims. */
export function checkKernelShape(node: NodeView, kernel: readonly number[], weight: string): void {
  const given = node.ints('kernel_shape');
  if (given === undefined || given.length === 0 || (given.length === kernel.length && given.every((k, i) => k === kernel[i]))) return;
  throw new CompileError(`kernel_shape ${formatShape(given)} disagrees with the weight ${weight}, whose spatial dims are ${formatShape(kernel)}`);
}

/**
 * ConvTranspose pads: explicit, or derived from output_shape (total = full size − wanted) or
 * from SAME_* (wanted = in·stride), split as onnxruntime 1.30 does: SAME_UPPER puts the odd
 * pixel at the end, everything else at the beginning.
 */
export function transposePads(node: NodeView, inSize: readonly number[], full: readonly number[], strides: readonly number[]): number[] {
  const rank = inSize.length;
  const autoPad = autoPadOf(node);
  const given = explicitPads(node, rank);
  const outputShape = node.ints('output_shape');
  if (outputShape === undefined && (autoPad === 'NOTSET' || autoPad === 'VALID')) {
    if (autoPad === 'VALID') checkPadsAgree(given, new Array<number>(2 * rank).fill(0), 'auto_pad VALID');
    return given ?? new Array<number>(2 * rank).fill(0);
  }
  let wanted = inSize.map((size, axis) => size * (strides[axis] ?? 1));
  if (outputShape !== undefined) {
    if (outputShape.length !== rank && outputShape.length !== rank + 2) {
      throw new CompileError(`output_shape needs ${rank} spatial sizes (or ${rank + 2} dims), got ${formatShape(outputShape)}`);
    }
    wanted = outputShape.slice(outputShape.length - rank);
  }
  const begin: number[] = [];
  const end: number[] = [];
  wanted.forEach((size, axis) => {
    const total = (full[axis] ?? 1) - size;
    if (size < 1 || total < 0) {
      throw new CompileError(`output size ${size} on spatial axis ${axis} is not reachable: without pads the output is ${full[axis]} (raise output_padding or lower output_shape)`);
    }
    const [b, e] = splitPad(total, autoPad === 'SAME_UPPER');
    begin.push(b);
    end.push(e);
  });
  const resolved = [...begin, ...end];
  checkPadsAgree(given, resolved, outputShape !== undefined ? `output_shape ${formatShape(outputShape)}` : `auto_pad ${autoPad}`);
  return resolved;
}
