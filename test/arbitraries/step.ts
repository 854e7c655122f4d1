// What every op generator shares: the random numbers of one step, the generator signature,
// attribute values drawn from an op's schema, and the fused activations of linear and conv.

import type { Value } from '../../ir/graph.ts';
import { ACTIVATION_OPS, OPS, type Activation, type AttrSpec, type Attrs, type AttrValue, type OpName } from '../../ir/ops/index.ts';
import { isSymbolic, type Shape } from '../../ir/types.ts';
import type { GraphAssembler } from './assembler.ts';
import { buildBody } from './body.ts';

/** The random numbers one step draws; each generator reads what it needs. */
export interface Step {
  readonly op: number;
  readonly a: number;
  readonly b: number;
  readonly c: number;
  /** A width in 1..maxWidth (output features, matmul's n). */
  readonly width: number;
  readonly seed: number;
  /** A real in [-2, 2] (steps of 0.001) for float attributes. */
  readonly real: number;
  /** Codes of a random scalar body (see body.ts). */
  readonly body: readonly number[];
}

export type Generator = (step: Step, g: GraphAssembler) => Value | undefined;

export function rotate<T>(items: readonly T[], by: number): T[] {
  const k = items.length === 0 ? 0 : by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

/**
 * Float attributes whose values must relate to each other: clip's bounds are drawn as an
 * interval (min below max, either side sometimes open) rather than both from the same real.
 */
function relatedFloats(op: OpName | undefined, step: Step): Attrs | undefined {
  if (op !== 'clip') return undefined;
  const r = Math.abs(step.real);
  switch (step.b % 4) {
    case 0: return { min: 0, max: 6 };
    case 1: return { min: -r, max: r + 0.25 };
    case 2: return { min: step.real };
    default: return { max: step.real };
  }
}

/** Attribute values drawn from a schema: floats that pass the op's own check, any enum value, a body. */
export function randomAttrs(schema: Readonly<Record<string, AttrSpec>>, step: Step, operands: number, op?: OpName): Attrs {
  const related = relatedFloats(op, step);
  const attrs: Record<string, AttrValue> = {};
  for (const [name, spec] of Object.entries(schema)) {
    switch (spec.type) {
      case 'float': {
        if (related !== undefined) break;
        const r = Math.abs(step.real);
        const candidates = [step.real, r, r / (1 + r), ...(spec.default !== undefined ? [spec.default] : [])];
        const value = candidates.find((v) => spec.check?.(v) === undefined);
        if (value !== undefined) attrs[name] = value;
        break;
      }
      case 'enum': attrs[name] = spec.values[step.c % spec.values.length] ?? spec.values[0] ?? ''; break;
      case 'expr': attrs[name] = buildBody(step.body, operands); break;
      case 'activation': break;
      case 'int': case 'ints': case 'tensor':
        throw new Error(`arbitraries: no generic value for ${spec.type} attribute '${name}'; give its op a generator in op-generators.ts`);
    }
  }
  return { ...attrs, ...related };
}

/** Activation parameter shapes to try: a scalar, or one value per channel (axis 1). */
export function paramShapes(shape: Shape): number[][] {
  const channels = shape[1];
  return [[], [1], ...(shape.length >= 2 && channels !== undefined && !isSymbolic(channels) ? [[channels]] : [])];
}

/** A fused activation for linear or conv (none a third of the time), any op of the table. */
export function randomActivation(step: Step): Activation | undefined {
  const op = (step.b >> 1) % 3 === 0 ? undefined : ACTIVATION_OPS[step.c % ACTIVATION_OPS.length];
  return op === undefined ? undefined : { op, attrs: randomAttrs(OPS[op].attrs, step, 1, op) };
}
