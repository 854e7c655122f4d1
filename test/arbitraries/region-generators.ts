// Generators for reductions over axes and the region ops: reduce_* (any subset of the static
// axes, negative axis numbers, keepdims either way), concat (with matching values or
// constants), slice (negative, clamped and out-of-range bounds, negative steps) and pad
// (constant, reflect, edge). None touches the symbolic batch axis, which the op table forbids.

import type { Value } from '../../ir/graph.ts';
import type { OpName } from '../../ir/ops/index.ts';
import { isSymbolic, symbolOf, type Dim } from '../../ir/types.ts';
import { Random } from '../../src/random.ts';
import type { GraphAssembler, Operand } from './assembler.ts';
import type { Generator } from './step.ts';
import { MAX_WINDOW_RESULT } from './window-generators.ts';

function pick(random: Random, lo: number, hi: number): number {
  return lo + Math.floor(random.next() * (hi - lo + 1));
}

/** The axes of a shape that are not the symbolic batch. */
function staticAxes(shape: readonly Dim[]): number[] {
  return shape.flatMap((d, axis) => (isSymbolic(d) ? [] : [axis]));
}

/** An axis number as written: sometimes counted from the end. */
function written(axis: number, rank: number, code: number): number {
  return code % 3 === 2 ? axis - rank : axis;
}

function hasStaticAxis(value: Value): boolean {
  return staticAxes(value.type.shape).length > 0;
}

function reduce(op: OpName): Generator {
  return (step, g) => {
    const x = g.choose(step.a, (v) => v.type.shape.length > 0);
    if (x === undefined) return undefined;
    const shape = x.type.shape;
    const rank = shape.length;
    const candidates = staticAxes(shape);
    const chosen = candidates.filter((_, i) => ((step.c >> i) & 1) === 1);
    const keepdims = (step.b & 1) === 1 ? 1 : 0;
    const all = symbolOf(shape) === undefined && (chosen.length === 0 || (step.b & 6) === 6);
    const axes = all ? [] : chosen.length > 0 ? chosen : candidates.slice(-1);
    if (!all && axes.length === 0) return undefined;
    const attrs = { axes: axes.map((a, i) => written(a, rank, step.c >> (i + 4))), ...(keepdims === 1 && (step.b & 8) !== 0 ? {} : { keepdims }) };
    return g.tryNode(op, [x], attrs, step.seed);
  };
}

/** Operands that agree with `x` on every axis but `axis`: values of the pool, constants, x itself. */
function concatOperand(g: GraphAssembler, x: Value, axis: number, code: number, random: Random): Operand {
  const shape = x.type.shape;
  const fits = (v: Value): boolean => v.type.shape.length === shape.length && v.type.shape.every((d, i) => i === axis || d === shape[i]);
  if (code % 3 === 0) {
    const other = g.choose(code >> 2, fits);
    if (other !== undefined) return other;
  }
  if (symbolOf(shape) === undefined && code % 3 === 1) {
    return { constShape: shape.map((d, i) => (i === axis ? pick(random, 1, 4) : (d as number))), data: { kind: 'uniform', bound: 1 } };
  }
  return x;
}

const concat: Generator = (step, g) => {
  const x = g.choose(step.a, hasStaticAxis);
  if (x === undefined) return undefined;
  const random = new Random(step.seed);
  const axes = staticAxes(x.type.shape);
  const axis = axes[step.c % axes.length] ?? 0;
  const count = step.b % 4;
  const operands: Operand[] = [x];
  for (let k = 0; k < count; k++) operands.push(concatOperand(g, x, axis, (step.c >> 2) + k * 7 + (step.b >> 2), random));
  if ((step.b & 16) !== 0) operands.reverse();
  return g.tryNode('concat', operands, { axis: written(axis, x.type.shape.length, step.b >> 5) }, step.seed, MAX_WINDOW_RESULT);
};

const STEPS = [1, 1, 2, 3, -1, -2] as const;
/** What PyTorch exports for an open end ("to the end"). */
const INT_MAX = 2147483647;

/** One axis of a slice: bounds anywhere in -dim-2..dim+2 (or ±INT_MAX); empty ones replaced by the full range. */
function sliceBounds(random: Random, dim: number): { start: number; end: number; step: number } {
  const step = STEPS[pick(random, 0, STEPS.length - 1)] ?? 1;
  const bound = (): number => (random.next() < 0.1 ? (random.next() < 0.5 ? INT_MAX : -INT_MAX) : pick(random, -dim - 2, dim + 2));
  const start = bound();
  const end = bound();
  const resolve = (v: number): number => (v < 0 ? v + dim : v);
  const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);
  const from = step > 0 ? clamp(resolve(start), 0, dim) : clamp(resolve(start), 0, dim - 1);
  const to = step > 0 ? clamp(resolve(end), 0, dim) : clamp(resolve(end), -1, dim - 1);
  if (Math.ceil((to - from) / step) >= 1) return { start, end, step };
  return step > 0 ? { start: 0, end: INT_MAX, step } : { start: -1, end: -INT_MAX, step };
}

const slice: Generator = (step, g) => {
  const x = g.choose(step.a, hasStaticAxis);
  if (x === undefined) return undefined;
  const random = new Random(step.seed);
  const shape = x.type.shape;
  const candidates = staticAxes(shape);
  const chosen = candidates.filter((_, i) => ((step.c >> i) & 1) === 1);
  const axes = chosen.length > 0 ? chosen : [candidates[step.c % candidates.length] ?? 0];
  if ((step.b & 1) === 1) axes.reverse();
  const bounds = axes.map((axis) => sliceBounds(random, shape[axis] as number));
  const leading = axes.every((axis, i) => axis === i);
  const attrs = {
    starts: bounds.map((b) => b.start),
    ends: bounds.map((b) => b.end),
    ...(leading && (step.b & 2) !== 0 ? {} : { axes: axes.map((a, i) => written(a, shape.length, step.b >> (i + 3))) }),
    ...(bounds.every((b) => b.step === 1) && (step.b & 4) !== 0 ? {} : { steps: bounds.map((b) => b.step) }),
  };
  return g.tryNode('slice', [x], attrs, step.seed);
};

const PAD_MODES = ['constant', 'reflect', 'edge'] as const;

const pad: Generator = (step, g) => {
  const x = g.choose(step.a, hasStaticAxis);
  if (x === undefined) return undefined;
  const random = new Random(step.seed);
  const mode = PAD_MODES[step.c % PAD_MODES.length] ?? 'constant';
  const cap = (d: Dim): number => (isSymbolic(d) ? 0 : Math.min(2, mode === 'reflect' ? d - 1 : 2));
  const begins = x.type.shape.map((d) => pick(random, 0, cap(d)));
  const ends = x.type.shape.map((d) => pick(random, 0, cap(d)));
  const attrs = {
    pads: [...begins, ...ends],
    ...(mode !== 'constant' || (step.b & 1) === 1 ? { mode } : {}),
    ...(mode === 'constant' && (step.b & 2) !== 0 ? { value: step.real } : {}),
  };
  return g.tryNode('pad', [x], attrs, step.seed, MAX_WINDOW_RESULT);
};

export const REGION_GENERATORS: Partial<Record<OpName, Generator>> = {
  reduce_sum: reduce('reduce_sum'),
  reduce_mean: reduce('reduce_mean'),
  reduce_max: reduce('reduce_max'),
  reduce_min: reduce('reduce_min'),
  concat,
  slice,
  pad,
};
