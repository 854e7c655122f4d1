// Unit chains: a `linear` whose output units (its last axis) flow through per-unit
// elementwise ops (an activation, a scale, a shift) into other `linear` ops only. Along such
// a chain unit j is row j of the producer's weight, entry j of its bias and of every per-unit
// parameter, and column j of each consumer's weight: what dead-unit pruning removes and what
// a dead unit's multiply-adds are counted from. Conv channels fit the same shape later (a
// producer's output channel, a consumer's input channel).

import type { Graph, Node } from '../../ir/graph.ts';
import { users } from '../../ir/graph.ts';
import { formatValueName } from '../../ir/names.ts';
import { activationAttr, activationDef, alignedOperandShapes, linearLayout, OPS } from '../../ir/ops/index.ts';
import { isSymbolic, staticSize, type Shape } from '../../ir/types.ts';

export interface UnitChain {
  /** The `linear` whose output units the chain follows. */
  readonly producer: Node;
  /** Per-unit elementwise nodes after the producer, in order (a standalone activation…). */
  readonly elementwise: readonly Node[];
  /** The value the consumers read: the producer's or the last elementwise node's. */
  readonly end: string;
  /** `linear` nodes reading `end` as their x; empty when the chain cannot be pruned. */
  readonly consumers: readonly Node[];
  readonly units: number;
  /** Why units of this producer cannot be removed, when they cannot. */
  readonly blocker?: string;
  /** Multiply-adds one unit costs per sample: its dot product plus its consumers' terms. */
  readonly macsPerUnit: number;
}

function constNames(graph: Graph): Set<string> {
  return new Set(graph.nodes.filter((n) => n.op === 'const').map((n) => n.name));
}

/** An operand broadcast against [..., units] that varies at most along the units axis. */
export function perUnitOperand(shape: Shape, outRank: number, units: number): boolean {
  if (shape.length > outRank) return false;
  return shape.every((dim, axis) => dim === 1 || (axis === shape.length - 1 && dim === units));
}

/** Rows per sample of a [N?, ..., features] value: the dims between batch and features. */
function rowsPerSample(shape: Shape): number {
  return staticSize(shape.slice(0, -1).filter((d, i) => !(i === 0 && isSymbolic(d))));
}

export function unitChain(graph: Graph, producer: Node, useMap = users(graph), consts = constNames(graph)): UnitChain {
  const outputs = new Set(graph.outputs);
  const units = Number(producer.type.shape[producer.type.shape.length - 1] ?? 0);
  const weight = graph.nodes.find((n) => n.name === producer.inputs[1]);
  const inFeatures = Number(weight?.type.shape[1] ?? 0);
  const rows = rowsPerSample(producer.type.shape);
  const elementwise: Node[] = [];
  let end = producer.name;
  let blocker: string | undefined;
  const { paramStart } = linearLayout(producer.inputs.length, producer.attrs);
  if (!producer.inputs.slice(1).every((name) => consts.has(name))) blocker = 'its weight, bias or parameters are not constants';
  const rank = producer.type.shape.length;
  const shapeOf = (name: string): Shape => graph.nodes.find((n) => n.name === name)?.type.shape ?? [];
  const activation = activationAttr(producer.attrs);
  const activationSpec = activation === undefined ? undefined : activationDef(activation.op)?.elementwise;
  const fusedParams = producer.inputs.slice(paramStart).map(shapeOf);
  const alignedParams = activationSpec === undefined ? fusedParams : alignedOperandShapes(activationSpec, [producer.type.shape, ...fusedParams], rank).slice(1);
  if (alignedParams.some((shape) => !perUnitOperand(shape, rank, units))) blocker ??= 'its activation parameters are not per unit';
  for (;;) {
    const readers = useMap.get(end) ?? [];
    const next = readers[0];
    if (outputs.has(end) || readers.length !== 1 || next === undefined) break;
    const spec = OPS[next.op].elementwise;
    if (spec === undefined || next.inputs[0] !== end || next.inputs.slice(1).includes(end)) break;
    const others = next.inputs.slice(1);
    const shapes = alignedOperandShapes(spec, next.inputs.map(shapeOf), next.type.shape.length);
    if (!others.every((name) => consts.has(name)) || !shapes.slice(1).every((s) => perUnitOperand(s, next.type.shape.length, units))) break;
    if (next.type.shape.length !== producer.type.shape.length || next.type.shape[next.type.shape.length - 1] !== units) break;
    elementwise.push(next);
    end = next.name;
  }
  const readers = useMap.get(end) ?? [];
  const consumers = readers.filter((n) => n.op === 'linear' && n.inputs[0] === end && !n.inputs.slice(1).includes(end) && consts.has(n.inputs[1] ?? ''));
  if (outputs.has(end)) blocker ??= `${formatValueName(end)} is a graph output`;
  else if (readers.length === 0) blocker ??= 'nothing reads its units';
  else if (consumers.length !== readers.length) blocker ??= 'a reader of its units is not a linear op with constant weights';
  const consumerMacs = consumers.reduce((sum, n) => sum + Number(n.type.shape[n.type.shape.length - 1] ?? 0), 0);
  const base = { producer, elementwise, end, units, macsPerUnit: rows * (inFeatures + consumerMacs) };
  return blocker === undefined ? { ...base, consumers } : { ...base, consumers: [], blocker };
}

/** Every linear node's unit chain. */
export function unitChains(graph: Graph): UnitChain[] {
  const useMap = users(graph);
  const consts = constNames(graph);
  return graph.nodes.filter((n) => n.op === 'linear').map((n) => unitChain(graph, n, useMap, consts));
}
