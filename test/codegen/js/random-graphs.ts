// Small random graphs for the JS backend's differential tests: chains over a batched input
// drawn from the op table (every unary elementwise op, broadcast binary ops, linear with each
// activation, matmul, softmax, layout ops, fused bodies), with feeds that include edge values.

import fc from 'fast-check';
import type { Graph } from '../../../ir/graph.ts';
import { ACTIVATION_OPS, OPS, OP_NAMES, type OpName } from '../../../ir/ops/index.ts';
import { E, type ScalarExpr } from '../../../ir/scalar.ts';
import { GraphBuilder, type Value } from '../../../src/builder.ts';

const UNARY_OPS = OP_NAMES.filter((name) => OPS[name].kind === 'elementwise' && OPS[name].arity.min === 1 && OPS[name].arity.max === 1);
const BINARY_OPS = OP_NAMES.filter((name) => OPS[name].kind === 'elementwise' && OPS[name].arity.min === 2 && OPS[name].arity.max === 2 && OPS[name].elementwise?.activation !== true);
const FUSED_BODIES: readonly ScalarExpr[] = [
  E.select(E.lt(E.add(E.operand(0), E.operand(1)), 0), 0, E.add(E.operand(0), E.operand(1))),
  E.mul(E.tanh(E.operand(0)), E.sub(E.operand(1), E.operand(0))),
  E.max(E.div(E.operand(0), E.add(1, E.abs(E.operand(1)))), E.erf(E.operand(0))),
];

type Step =
  | { kind: 'unary'; op: OpName }
  | { kind: 'binary'; op: OpName; scalar: boolean }
  | { kind: 'linear'; out: number; bias: boolean; activation: OpName | undefined }
  | { kind: 'matmul'; out: number }
  | { kind: 'softmax' }
  | { kind: 'fused'; body: number }
  | { kind: 'transpose' }
  | { kind: 'flatten' };

const arbStep: fc.Arbitrary<Step> = fc.oneof(
  fc.constantFrom(...UNARY_OPS).map((op): Step => ({ kind: 'unary', op })),
  fc.record({ op: fc.constantFrom(...BINARY_OPS), scalar: fc.boolean() }).map((s): Step => ({ kind: 'binary', ...s })),
  fc.record({ out: fc.integer({ min: 1, max: 9 }), bias: fc.boolean(), activation: fc.option(fc.constantFrom(...ACTIVATION_OPS), { nil: undefined }) })
    .map((s): Step => ({ kind: 'linear', ...s })),
  fc.integer({ min: 1, max: 5 }).map((out): Step => ({ kind: 'matmul', out })),
  fc.constant<Step>({ kind: 'softmax' }),
  fc.integer({ min: 0, max: FUSED_BODIES.length - 1 }).map((body): Step => ({ kind: 'fused', body })),
  fc.constant<Step>({ kind: 'transpose' }),
  fc.constant<Step>({ kind: 'flatten' }),
);

export interface GraphCase {
  readonly graph: Graph;
  readonly seed: number;
}

function weights(count: number, seed: number): Float32Array {
  const data = new Float32Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    data[i] = (state / 2 ** 32) * 2 - 1;
  }
  return data;
}

function buildGraph(rank3: boolean, features: number, steps: readonly Step[], seed: number): Graph {
  const b = new GraphBuilder('random');
  let x: Value = b.input('x', rank3 ? ['N', 2, features] : ['N', features]);
  let salt = seed;
  const constant = (shape: number[]): Value => b.constant(weights(shape.reduce((n, d) => n * d, 1), ++salt), shape);
  const last = (): number => x.type.shape[x.type.shape.length - 1] as number;
  for (const step of steps) {
    switch (step.kind) {
      case 'unary': x = b.op(step.op, [x]); break;
      case 'binary': x = b.op(step.op, [x, constant(step.scalar ? [1] : [last()])]); break;
      case 'linear': {
        const w = constant([step.out, last()]);
        const bias = step.bias ? constant([step.out]) : undefined;
        const params = step.activation === 'prelu' ? [constant([1])] : [];
        const activation = step.activation === undefined ? undefined : { op: step.activation, attrs: {} };
        x = b.linear(x, w, bias, activation, params);
        break;
      }
      case 'matmul': x = b.matmul(x, constant([last(), step.out])); break;
      case 'softmax': x = b.softmax(x, -1); break;
      case 'fused': x = b.op('fused_elementwise', [x, constant([last()])], { body: FUSED_BODIES[step.body] ?? E.operand(0) }); break;
      case 'transpose': if (x.type.shape.length === 3) x = b.transpose(x, [0, 2, 1]); break;
      case 'flatten': if (x.type.shape.length === 3) x = b.flatten(x, 1); break;
    }
  }
  b.output(x);
  return b.build();
}

export const arbGraphCase: fc.Arbitrary<GraphCase> = fc
  .record({
    rank3: fc.boolean(),
    features: fc.integer({ min: 1, max: 7 }),
    steps: fc.array(arbStep, { minLength: 1, maxLength: 4 }),
    seed: fc.integer({ min: 1, max: 1000 }),
  })
  .map(({ rank3, features, steps, seed }) => ({ graph: buildGraph(rank3, features, steps, seed), seed }));

/** Mostly ordinary values, sometimes the edges: ±0, ±Inf, NaN, ±1e30, large logits. */
export function arbFeed(length: number, edges: boolean): fc.Arbitrary<Float32Array> {
  const ordinary = fc.float({ min: -4, max: 4, noNaN: true });
  const edge = fc.constantFrom(0, -0, Infinity, -Infinity, NaN, 1e30, -1e30, 80, -80);
  const value = edges ? fc.oneof({ weight: 9, arbitrary: ordinary }, { weight: 1, arbitrary: edge }) : ordinary;
  return fc.array(value, { minLength: length, maxLength: length }).map((values) => Float32Array.from(values));
}
