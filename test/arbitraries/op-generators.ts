// How a random step becomes a node, per op. Elementwise ops are generated from the op table
// alone (arity, activation flag, attribute schema, scalar body); the other kinds need a
// generator (here, in window-generators.ts or in region-generators.ts), and an op of the
// table without one fails loudly at import, so a new op cannot silently escape the property
// tests.

import type { Value } from '../../ir/graph.ts';
import { normalizeAttrs } from '../../ir/node.ts';
import { activationParamCount, broadcastShapes, OP_NAMES, OPS, type OpDef, type OpName } from '../../ir/ops/index.ts';
import { isSymbolic, shapeProblem, symbolOf, type Shape } from '../../ir/types.ts';
import { Random } from '../../src/random.ts';
import { staticDims, type GraphAssembler, type Operand } from './assembler.ts';
import { divisorOperands } from './body.ts';
import { MASK_GENERATORS } from './mask-generators.ts';
import { RECURRENT_GENERATORS } from './recurrent-generators.ts';
import { REGION_GENERATORS } from './region-generators.ts';
import { SEQUENCE_GENERATORS } from './sequence-generators.ts';
import { paramShapes, randomActivation, randomAttrs, rotate, type Generator, type Step } from './step.ts';
import { WINDOW_GENERATORS } from './window-generators.ts';

export type { Step } from './step.ts';

function lastDimStatic(value: Value): boolean {
  const last = value.type.shape[value.type.shape.length - 1];
  return last !== undefined && !isSymbolic(last);
}

/** A constant shape that broadcasts against `shape`: some trailing dims, some set to 1. */
function broadcastConstShape(shape: Shape, choice: number): number[] {
  const keep = choice % (shape.length + 1);
  const dims = shape.slice(shape.length - keep).map((d, i) => (isSymbolic(d) || ((choice >> (i + 3)) & 1) === 1 ? 1 : d));
  // Now and then a leading dim that expands a static operand.
  return symbolOf(shape) === undefined && choice % 11 === 5 ? [2, ...dims] : dims;
}

function broadcastsWith(a: Value, b: Value): boolean {
  try {
    return shapeProblem(broadcastShapes([a.type.shape, b.type.shape])) === undefined;
  } catch {
    return false;
  }
}

function elementwise(op: OpName, def: OpDef, step: Step, g: GraphAssembler): Value | undefined {
  const spec = def.elementwise;
  if (spec === undefined) return undefined;
  const variadic = Object.values(def.attrs).some((a) => a.type === 'expr');
  const count = Math.min(def.arity.max, def.arity.min + (variadic ? step.b % 3 : 0));
  const attrs = randomAttrs(def.attrs, step, count, op);
  // A body dividing by its data operand (reciprocal, pow with a negative exponent) reads a
  // graph input: a computed zero's sign may differ between backends (erf(-0)), and 1/±0 shows it.
  const dividesData = !variadic && divisorOperands(spec.body(normalizeAttrs(op, def.attrs, attrs))).has(0);
  const x = g.choose(step.a, dividesData ? (v) => g.inputs.includes(v) : undefined);
  if (x === undefined) return undefined;
  if (spec.activation) {
    const params = count - 1;
    for (const shape of rotate(paramShapes(x.type.shape), step.c)) {
      const operands: Operand[] = [x, ...Array.from({ length: params }, () => ({ constShape: shape, data: { kind: 'uniform', bound: 0.5 } } as const))];
      const made = g.tryNode(op, operands, attrs, step.seed);
      if (made !== undefined || params === 0) return made;
    }
    return undefined;
  }
  // Table bodies that divide by an operand (div) get a divisor away from zero; random
  // bodies guard their own divisions.
  const divisors = variadic ? new Set<number>() : divisorOperands(spec.body(attrs));
  const operands: Operand[] = [x];
  for (let k = 1; k < count; k++) {
    const other = ((step.b >> k) & 1) === 1 && !divisors.has(k) ? g.choose(step.c + k, (v) => broadcastsWith(x, v)) : undefined;
    operands.push(other ?? { constShape: broadcastConstShape(x.type.shape, step.c >> k), data: divisors.has(k) ? { kind: 'away-from-zero' } : { kind: 'uniform', bound: 1 } });
  }
  if (divisors.size === 0 && count === 2 && (step.seed & 1) === 1) operands.reverse();
  return g.tryNode(op, operands, attrs, step.seed)
    ?? g.tryNode(op, [x, ...operands.slice(1).map(() => ({ constShape: [], data: { kind: 'away-from-zero' } } as const))], attrs, step.seed);
}

const linear: Generator = (step, g) => {
  const x = g.choose(step.a, lastDimStatic);
  if (x === undefined) return undefined;
  const inFeatures = x.type.shape[x.type.shape.length - 1] as number;
  const out = step.width;
  const bound = 1 / Math.sqrt(inFeatures);
  const activation = randomActivation(step);
  const params = activationParamCount(activation);
  const base: Operand[] = [x, { constShape: [out, inFeatures], data: { kind: 'uniform', bound } }];
  if ((step.b & 1) === 1) base.push({ constShape: [out], data: { kind: 'uniform', bound } });
  const attrs = activation === undefined ? {} : { activation };
  const outShape = [...x.type.shape.slice(0, -1), out];
  for (const shape of rotate(paramShapes(outShape), step.c)) {
    const operands = [...base, ...Array.from({ length: params }, () => ({ constShape: shape, data: { kind: 'uniform', bound: 0.5 } } as const))];
    const made = g.tryNode('linear', operands, attrs, step.seed);
    if (made !== undefined || params === 0) return made;
  }
  return undefined;
};

const matmul: Generator = (step, g) => {
  const x = g.choose(step.a, lastDimStatic);
  if (x === undefined) return undefined;
  const shape = x.type.shape;
  const k = shape[shape.length - 1] as number;
  const n = step.width;
  const bound = 1 / Math.sqrt(k);
  const weight = (dims: number[]): Operand => ({ constShape: dims, data: { kind: 'uniform', bound } });
  const rows = shape[shape.length - 2];
  switch (step.b % 5) {
    case 1: return g.tryNode('matmul', [x, weight([k])], {}, step.seed);
    case 2: return g.tryNode('matmul', [x, weight([1, k, n])], {}, step.seed);
    case 3:
      if (shape.length >= 2 && rows !== undefined && !isSymbolic(rows)) return g.tryNode('matmul', [weight([n, rows]), x], {}, step.seed);
      break;
    case 4: {
      const y = g.choose(step.c, (v) => v.type.shape.length >= 2 && v.type.shape[v.type.shape.length - 2] === k);
      const made = y === undefined ? undefined : g.tryNode('matmul', [x, y], {}, step.seed);
      if (made !== undefined) return made;
      break;
    }
  }
  return g.tryNode('matmul', [x, weight([k, n])], {}, step.seed);
};

const softmax: Generator = (step, g) => {
  const x = g.choose(step.a);
  if (x === undefined) return undefined;
  const rank = x.type.shape.length;
  return g.tryNode('softmax', [x], { axis: (step.c % (2 * rank)) - rank }, step.seed);
};

/** Splits `total` into up to three random factors. */
function factorize(total: number, random: Random): number[] {
  const factors: number[] = [];
  let rest = total;
  const parts = 1 + Math.floor(random.next() * 3);
  for (let i = 1; i < parts; i++) {
    const divisors = Array.from({ length: rest }, (_, d) => d + 1).filter((d) => rest % d === 0);
    const d = divisors[Math.floor(random.next() * divisors.length)] ?? 1;
    factors.push(d);
    rest /= d;
  }
  return [...factors, rest];
}

const reshape: Generator = (step, g) => {
  const x = g.choose(step.a);
  if (x === undefined) return undefined;
  const random = new Random(step.seed);
  const sample = staticDims(x.type.shape).reduce((n, d) => n * d, 1);
  const factors = factorize(sample, random);
  if (symbolOf(x.type.shape) !== undefined) return g.tryNode('reshape', [x], { shape: [-1, ...factors] }, step.seed);
  if ((step.b & 1) === 1) factors[step.c % factors.length] = -1;
  return g.tryNode('reshape', [x], { shape: factors }, step.seed);
};

const flatten: Generator = (step, g) => {
  const x = g.choose(step.a);
  if (x === undefined) return undefined;
  const rank = x.type.shape.length;
  const axis = symbolOf(x.type.shape) !== undefined ? ((step.c & 1) === 1 && rank >= 2 ? 1 - rank : 1) : (step.c % (2 * rank + 1)) - rank;
  return g.tryNode('flatten', [x], { axis }, step.seed);
};

const transpose: Generator = (step, g) => {
  const x = g.choose(step.a);
  if (x === undefined) return undefined;
  const rank = x.type.shape.length;
  const fixed = symbolOf(x.type.shape) !== undefined ? 1 : 0;
  if ((step.b & 3) === 0 && (fixed === 0 || rank === 1)) return g.tryNode('transpose', [x], { perm: [] }, step.seed);
  const random = new Random(step.seed);
  const rest = Array.from({ length: rank - fixed }, (_, i) => i + fixed);
  for (let i = rest.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [rest[i], rest[j]] = [rest[j] ?? 0, rest[i] ?? 0];
  }
  return g.tryNode('transpose', [x], { perm: [...(fixed === 1 ? [0] : []), ...rest] }, step.seed);
};

/** gather along a static axis by constant ids (1 or 2 dims), now and then negative. */
const gather: Generator = (step, g) => {
  const x = g.choose(step.a);
  if (x === undefined) return undefined;
  const rank = x.type.shape.length;
  const first = symbolOf(x.type.shape) !== undefined ? 1 : 0;
  if (rank <= first) return undefined;
  const axis = first + (step.b % (rank - first));
  const size = x.type.shape[axis];
  if (typeof size !== 'number') return undefined;
  const idsShape = (step.c & 1) === 1 ? [1 + (step.c % 3), 2] : [1 + (step.c % 4)];
  return g.tryNode('gather', [x, { constShape: idsShape, data: { kind: 'ids', size } }], { axis }, step.seed);
};

/** Generators for the ops that are not elementwise, by name. */
const SPECIAL: Partial<Record<OpName, Generator>> = {
  linear, matmul, softmax, reshape, flatten, transpose, gather, ...MASK_GENERATORS, ...WINDOW_GENERATORS, ...REGION_GENERATORS, ...RECURRENT_GENERATORS, ...SEQUENCE_GENERATORS,
};

/** Every op a generated graph may contain: all of the table but sources (constants come as operands). */
export const GENERATED_OPS: readonly OpName[] = OP_NAMES.filter((op) => OPS[op].kind !== 'source');

const missing = GENERATED_OPS.filter((op) => OPS[op].elementwise === undefined && SPECIAL[op] === undefined);
if (missing.length > 0) throw new Error(`arbitraries: no generator for op(s) ${missing.join(', ')} (add one to test/arbitraries/op-generators.ts)`);

/** Runs one step with `op`; undefined when it finds no operand that fits. */
export function generateOp(op: OpName, step: Step, g: GraphAssembler): Value | undefined {
  const def = OPS[op];
  const special = SPECIAL[op];
  return special !== undefined ? special(step, g) : elementwise(op, def, step, g);
}
