// Lowering of `lstm`, `gru` and `rnn` to the recurrence kernel (codegen/kernels.ts): the
// node's geometry from the op table's shape rule, its cell bodies per direction from the op
// table's cell files, and its operands' buffers. A node the projection split
// (src/passes/split-recurrent-projection.ts) has not reached keeps W: the kernel then
// computes the input parts itself, step by step.

import type { Node } from '../ir/graph.ts';
import { gruBodies, isReverse, lstmBodies, recurrentGeometry, rnnBodies, type CellBodies, type CellKind, type RecurrentGeometry } from '../ir/ops/index.ts';
import type { Attrs } from '../ir/ops/index.ts';
import type { TensorType } from '../ir/types.ts';
import type { BufferRef, Kernel } from './kernels.ts';
import { dimExtent } from './loop-nest.ts';
import type { LowerContext } from './lower.ts';
import { CompileError } from '../ir/errors.ts';

const BODIES: Readonly<Record<CellKind, (g: RecurrentGeometry, attrs: Attrs, d: number) => CellBodies>> = {
  lstm: lstmBodies, gru: gruBodies, rnn: rnnBodies,
};

export function lowerRecurrent(node: Node, out: BufferRef, ctx: LowerContext): Kernel {
  const cell = node.op as CellKind;
  const types = node.inputs.map((name): TensorType => {
    const type = ctx.types.get(name);
    if (type === undefined) throw new CompileError('operand is not defined', { node: name });
    return type;
  });
  const g = recurrentGeometry(cell, types, node.attrs);
  const operand = (at: number): BufferRef | undefined => (at < 0 ? undefined : ctx.buffer(node.inputs[at] ?? ''));
  const gh = g.gates * g.hidden;
  const required = (at: number): BufferRef => {
    const ref = operand(at);
    if (ref === undefined) throw new CompileError('internal: recurrent operand missing', { node: node.name, op: node.op });
    return ref;
  };
  const directions = Array.from({ length: g.directions }, (_, d) => d);
  return {
    kind: 'recurrence', label: node.name, op: node.op, out, cell, layout: g.layout, steps: g.steps,
    batch: dimExtent(g.batch),
    hidden: g.hidden, gates: g.gates, states: g.states, directions: g.directions,
    reverse: directions.map((d) => isReverse(g, d)),
    ...(g.sequenceLens === undefined ? {} : { sequenceLens: g.sequenceLens }),
    x: required(0), xWidth: g.inputSize,
    ...(g.projected ? {} : { inputWeight: required(g.operand.w) }),
    r: required(g.operand.r), bias: required(g.operand.b),
    biasStride: g.projected ? gh : 2 * gh, hiddenBiasOffset: g.projected ? 0 : gh,
    ...optional('initialH', operand(g.operand.initialH)),
    ...optional('initialC', operand(g.operand.initialC)),
    ...optional('peepholes', operand(g.operand.p)),
    linearBeforeReset: g.linearBeforeReset,
    bodies: directions.map((d) => BODIES[cell](g, node.attrs, d)),
  };
}

function optional<K extends string>(key: K, ref: BufferRef | undefined): Partial<Record<K, BufferRef>> {
  return ref === undefined ? {} : ({ [key]: ref } as Record<K, BufferRef>);
}
