// Unit chains: the path a unit takes from the op that makes it to the ops that read it, which
// is what dead-unit pruning removes and what a dead unit's multiply-adds are counted from.
// A `linear`'s unit is a feature of its last axis: row j of its weight, entry j of its bias and
// of per-unit parameters, column j of each consumer `linear`'s weight. A `conv`'s unit is an
// output channel (axis 1): row j of its weight and bias, then through per-channel steps
// (elementwise ops with per-channel operands, max_pool, avg_pool, depthwise convs), either input channel j of
// each consumer conv's weight (W[:, j]), or after a flatten the P = H·W columns j·P … j·P+P−1
// of each consumer linear's weight.

import type { Graph, Node } from '../../ir/graph.ts';
import { users } from '../../ir/graph.ts';
import { formatValueName } from '../../ir/names.ts';
import { activationAttr, activationDef, alignedOperandShapes, convLayout, floatAttr, linearLayout, OPS } from '../../ir/ops/index.ts';
import { isSymbolic, staticSize, type Shape } from '../../ir/types.ts';

export interface UnitChain {
  /** The `linear` or `conv` whose output units the chain follows. */
  readonly producer: Node;
  /** The units' axis in the producer's output and every step's (last for linear, 1 for conv). */
  readonly axis: number;
  /** Per-unit nodes after the producer, in order (an activation, a scale, a pooling…). */
  readonly steps: readonly Node[];
  /** The last per-unit value: its per-unit range decides which units are constant. */
  readonly measured: string;
  /** conv chains: the flatten between `measured` and linear consumers. */
  readonly flatten?: Node;
  /** The value the consumers read: `measured`, or the flatten's output. */
  readonly end: string;
  /** Consumers reading `end` (linear, or conv with group 1); empty when the chain cannot be pruned. */
  readonly consumers: readonly Node[];
  readonly units: number;
  /** Values per unit in what linear consumers read: 1, or P positions after a flatten. */
  readonly span: number;
  /** Why units of this producer cannot be removed, when they cannot. */
  readonly blocker?: string;
  /** Multiply-adds one unit costs per sample: its own outputs plus its consumers' terms. */
  readonly macsPerUnit: number;
}

/** Ops that keep channel j of their output a function of channel j of their input alone. */
const CHANNEL_WISE_WINDOWS: ReadonlySet<string> = new Set(['max_pool', 'avg_pool']);

function constNames(graph: Graph): Set<string> {
  return new Set(graph.nodes.filter((n) => n.op === 'const').map((n) => n.name));
}

/** An operand broadcast (NumPy-aligned) against a rank-`outRank` value that varies at most along `axis`, there with `units` entries. */
export function perUnitOperand(shape: Shape, outRank: number, units: number, axis = outRank - 1): boolean {
  if (shape.length > outRank) return false;
  const shift = outRank - shape.length;
  return shape.every((dim, i) => dim === 1 || (i + shift === axis && dim === units));
}

/** Sample count per batch entry of a [N?, ...] shape's dims other than the units axis. */
function positionsPerSample(shape: Shape, axis: number): number {
  return staticSize(shape.filter((d, i) => i !== axis && !(i === 0 && isSymbolic(d))));
}

function multiplyAdds(node: Node, graph: Graph): number {
  const weight = graph.nodes.find((n) => n.name === node.inputs[1]);
  const wShape = (weight?.type.shape ?? []).map(Number);
  if (node.op === 'linear') return Number(wShape[1] ?? 0);
  // A conv output element: C/group channels times the kernel's taps.
  return wShape.slice(1).reduce((n, d) => n * d, 1);
}

/** Why a producer's units cannot be separated from the rest, if they cannot. */
function producerBlocker(producer: Node, consts: ReadonlySet<string>, shapeOf: (name: string) => Shape, axis: number, units: number): string | undefined {
  const isConv = producer.op === 'conv';
  const layout = isConv ? convLayout(producer.inputs.length, producer.attrs) : linearLayout(producer.inputs.length, producer.attrs);
  if (isConv && floatAttr(producer.attrs, 'group') !== 1) return `a grouped conv (group ${floatAttr(producer.attrs, 'group')}) ties its output channels to its input channels`;
  if (isConv && 'residual' in layout && layout.residual !== undefined) return 'its residual input would lose channels too';
  const owned = [producer.inputs[1] ?? '', ...(layout.hasBias ? [producer.inputs[2] ?? ''] : []), ...producer.inputs.slice(layout.paramStart)];
  if (!owned.every((name) => consts.has(name))) return 'its weight, bias or parameters are not constants';
  const rank = producer.type.shape.length;
  const activation = activationAttr(producer.attrs);
  const spec = activation === undefined ? undefined : activationDef(activation.op)?.elementwise;
  const params = producer.inputs.slice(layout.paramStart).map(shapeOf);
  const aligned = spec === undefined ? params : alignedOperandShapes(spec, [producer.type.shape, ...params], rank).slice(1);
  if (aligned.some((shape) => !perUnitOperand(shape, rank, units, axis))) return 'its activation parameters are not per unit';
  return undefined;
}

/**
 * A depthwise conv (group = C = M, weight [C, 1, ...k]) keeps channel j a function of channel j:
 * a pruned channel leaves it too (its weight row, bias entry and parameters; group shrinks).
 */
export function isDepthwise(node: Node, units: number, consts: ReadonlySet<string>, shapeOf: (name: string) => Shape): boolean {
  const layout = convLayout(node.inputs.length, node.attrs);
  const w = shapeOf(node.inputs[1] ?? '');
  if (floatAttr(node.attrs, 'group') !== units || w[0] !== units || w[1] !== 1 || layout.residual !== undefined) return false;
  const owned = [node.inputs[1] ?? '', ...(layout.hasBias ? [node.inputs[2] ?? ''] : []), ...node.inputs.slice(layout.paramStart)];
  const activation = activationAttr(node.attrs);
  const spec = activation === undefined ? undefined : activationDef(activation.op)?.elementwise;
  const rank = node.type.shape.length;
  const params = node.inputs.slice(layout.paramStart).map(shapeOf);
  const aligned = spec === undefined ? params : alignedOperandShapes(spec, [node.type.shape, ...params], rank).slice(1);
  return owned.every((name) => consts.has(name)) && aligned.every((shape) => perUnitOperand(shape, rank, units, 1));
}

/** Whether `next`, reading `end` as its first operand, keeps unit j a function of unit j. */
function isStep(next: Node, end: string, consts: ReadonlySet<string>, shapeOf: (name: string) => Shape, rank: number, axis: number, units: number): boolean {
  if (next.inputs[0] !== end || next.inputs.slice(1).includes(end)) return false;
  if (next.type.shape.length !== rank || next.type.shape[axis] !== units) return false;
  if (CHANNEL_WISE_WINDOWS.has(next.op)) return axis === 1 && rank >= 3;
  if (next.op === 'conv') return axis === 1 && isDepthwise(next, units, consts, shapeOf);
  const spec = OPS[next.op].elementwise;
  if (spec === undefined) return false;
  const others = next.inputs.slice(1);
  const shapes = alignedOperandShapes(spec, next.inputs.map(shapeOf), rank);
  return others.every((name) => consts.has(name)) && shapes.slice(1).every((s) => perUnitOperand(s, rank, units, axis));
}

/** Whether `reader` reads `end` as the x of a linear (or a group-1 conv) with constant weights. */
function isConsumer(reader: Node, end: string, consts: ReadonlySet<string>, conv: boolean): boolean {
  if (reader.inputs[0] !== end || reader.inputs.slice(1).includes(end) || !consts.has(reader.inputs[1] ?? '')) return false;
  if (!conv) return reader.op === 'linear';
  return reader.op === 'conv' && floatAttr(reader.attrs, 'group') === 1;
}

export function unitChain(graph: Graph, producer: Node, useMap = users(graph), consts = constNames(graph)): UnitChain {
  const outputs = new Set(graph.outputs);
  const rank = producer.type.shape.length;
  const conv = producer.op === 'conv';
  // The op table says where a producer's features lie (linear: last axis; conv: channels).
  const declared = OPS[producer.op].featureAxis;
  const axis = declared === undefined || declared === 'last' ? rank - 1 : declared;
  const units = Number(producer.type.shape[axis] ?? 0);
  const shapeOf = (name: string): Shape => graph.nodes.find((n) => n.name === name)?.type.shape ?? graph.inputs.find((v) => v.name === name)?.type.shape ?? [];
  let blocker = producerBlocker(producer, consts, shapeOf, axis, units);
  const steps: Node[] = [];
  let measured = producer.name;
  for (;;) {
    const readers = useMap.get(measured) ?? [];
    const next = readers[0];
    if (outputs.has(measured) || readers.length !== 1 || next === undefined) break;
    if (!isStep(next, measured, consts, shapeOf, rank, axis, units)) break;
    steps.push(next);
    measured = next.name;
  }
  let end = measured;
  let flatten: Node | undefined;
  let span = 1;
  const after = useMap.get(measured) ?? [];
  const only = after[0];
  if (conv && after.length === 1 && only?.op === 'flatten' && floatAttr(only.attrs, 'axis') === 1 && !outputs.has(measured)) {
    flatten = only;
    end = only.name;
    // The positions of one channel as the flatten reads it (after any pooling).
    span = staticSize(shapeOf(measured).slice(2));
  }
  const readers = useMap.get(end) ?? [];
  const linearConsumers = !conv || flatten !== undefined;
  const consumers = readers.filter((n) => isConsumer(n, end, consts, !linearConsumers));
  if (outputs.has(end)) blocker ??= `${formatValueName(end)} is a graph output`;
  else if (readers.length === 0) blocker ??= 'nothing reads its units';
  else if (consumers.length !== readers.length) {
    blocker ??= linearConsumers
      ? 'a reader of its units is not a linear op with constant weights'
      : 'a reader of its channels is not a group-1 conv with constant weights (or a flatten into linear ops)';
  }
  // A depthwise step costs each channel its positions × taps.
  const stepMacs = steps.filter((n) => n.op === 'conv').reduce((sum, n) => sum + positionsPerSample(n.type.shape, 1) * multiplyAdds(n, graph), 0);
  const outputsPerUnit = positionsPerSample(producer.type.shape, axis);
  const consumerMacs = consumers.reduce((sum, n) => {
    if (n.op === 'linear') return sum + Number(n.type.shape[n.type.shape.length - 1] ?? 0) * span * positionsPerSample(n.type.shape, n.type.shape.length - 1);
    // A consumer conv: each output element reads K taps of channel j.
    const kernel = (graph.nodes.find((w) => w.name === n.inputs[1])?.type.shape ?? []).slice(2).map(Number).reduce((a, d) => a * d, 1);
    return sum + Number(n.type.shape[1] ?? 0) * positionsPerSample(n.type.shape, 1) * kernel;
  }, 0);
  const base = { producer, axis, steps, measured, end, units, span, macsPerUnit: outputsPerUnit * multiplyAdds(producer, graph) + stepMacs + consumerMacs, ...(flatten ? { flatten } : {}) };
  return blocker === undefined ? { ...base, consumers } : { ...base, consumers: [], blocker };
}

/** Every linear and conv node's unit chain. */
export function unitChains(graph: Graph): UnitChain[] {
  const useMap = users(graph);
  const consts = constNames(graph);
  return graph.nodes.filter((n) => n.op === 'linear' || n.op === 'conv').map((n) => unitChain(graph, n, useMap, consts));
}
