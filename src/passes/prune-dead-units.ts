// prune-dead-units: removes units whose value, as the next layers read it, is the same
// constant on every input considered, and folds that constant into the next layers' bias.
//
//  1. Find unit chains (src/analysis/unit-chains.ts): a `linear` (units: features) or a
//     group-1 `conv` (units: output channels) producer, per-unit steps (the activation, a
//     per-channel scale, pooling), and `linear` or `conv` consumers reading the chain's end
//     (after a flatten, a channel is P = H·W columns of a linear consumer).
//  2. Ask an oracle for each chain's per-unit range: interval bounds over an input box
//     (mode "proved": a ReLU unit whose pre-activation is <= 0 on the whole box is exactly 0)
//     or the min and max over a data set (mode "observed": units never active on the data).
//  3. For units with lo == hi = c (never NaN): drop row j of the producer's weight, entry j of
//     its bias and of every per-unit parameter, column j (or channel j, or the block of P
//     columns) of each consumer's weight, and add c · Σ W[:, j…] to the consumer's bias (c = 0
//     for dead ReLUs: nothing to add; a nonzero c read by a padded conv keeps its unit). At
//     least one unit of a layer stays, so no tensor becomes empty.
//
// In proved mode the pruned graph computes the same function on every input in the box, up
// to the f32 rounding of the removed zero terms; in observed mode only on the data. In proved
// mode an activation whose input is >= 0 on the whole box is then removed and the linear
// layers around it fold (linearize-proved.ts), equal up to f32 rounding. A depthwise conv
// after the producer is a per-channel step: a removed channel leaves its input and output
// (group shrinks with it). Other grouped convs are left whole, with a note saying why.
//
//   linear(relu(linear(x, W1, b1)), W2, b2) → linear(relu(linear(x, W1[keep], b1[keep])), W2[:, keep], b2)
//   conv(max_pool(relu(conv(x, W1, b1))), W2, b2) → conv(max_pool(relu(conv(x, W1[keep], b1[keep]))), W2[:, keep], b2)

import { CompileError } from '../../ir/errors.ts';
import type { Graph, Node } from '../../ir/graph.ts';
import { valueTypes } from '../../ir/graph.ts';
import { formatValueName } from '../../ir/names.ts';
import { convLayout, intsAttr, linearLayout, tensorAttr, type OpName, type TensorData } from '../../ir/ops/index.ts';
import { makeNode } from '../../ir/node.ts';
import { unitChains, type UnitChain } from '../analysis/unit-chains.ts';
import { dcePass } from './dce.ts';
import { linearizeProved } from './linearize-proved.ts';
import type { Pass, PassContext } from './pass.ts';

export interface UnitRanges {
  readonly lo: Float64Array;
  readonly hi: Float64Array;
  readonly nan: Uint8Array;
}

/** A value whose per-unit ranges are asked for, and the axis its units lie on. */
export interface UnitValue {
  readonly name: string;
  readonly axis: number;
}

/** Where the per-unit ranges come from: a proof over a box, or observation on data. */
export interface UnitOracle {
  readonly mode: 'proved' | 'observed';
  /** Why units are removed, for notes and bundle headers ("proved over [0, 1]"). */
  readonly why: string;
  /** Per-unit ranges (along each value's units axis) of the named values over the inputs considered. */
  ranges(graph: Graph, values: readonly UnitValue[]): ReadonlyMap<string, UnitRanges>;
  /** Proved mode: activation sites whose input is >= 0 on every unit (and never NaN). */
  nonNegativeSites?(graph: Graph): ReadonlySet<string>;
}

export interface PrunedLayer {
  readonly producer: string;
  readonly units: number;
  readonly removed: readonly number[];
  /** Removed units whose constant was not 0, folded into the next bias (rounds differently). */
  readonly nonzero: number;
  readonly macsPerUnit: number;
}

/** What a run removed, for the CLI and the bundle header. */
export interface PruneSummary {
  readonly mode: 'proved' | 'observed';
  readonly why: string;
  readonly layers: PrunedLayer[];
  /** Activations removed as the identity on the box (proved mode). */
  readonly linearized: string[];
  /** "inner into outer" for each linear pair folded after that. */
  readonly folded: string[];
}

export function emptySummary(mode: 'proved' | 'observed', why: string): PruneSummary {
  return { mode, why, layers: [], linearized: [], folded: [] };
}

export function prunedUnits(summary: PruneSummary): number {
  return summary.layers.reduce((n, l) => n + l.removed.length, 0);
}

export function savedMacs(summary: PruneSummary): number {
  return summary.layers.reduce((n, l) => n + l.removed.length * l.macsPerUnit, 0);
}

/** One line per pruned layer and a total, as notes and header comments show them. */
export function describePruning(summary: PruneSummary): string[] {
  const lines = summary.layers.filter((l) => l.removed.length > 0).map((l) =>
    `removed ${l.removed.length} of ${l.units} units of ${formatValueName(l.producer)} (${l.removed.join(', ')})`);
  for (const name of summary.linearized) lines.push(`removed the activation of ${formatValueName(name)}: its input is >= 0 on the whole box`);
  for (const pair of summary.folded) lines.push(`folded linear ${pair}`);
  lines.push(`prune-dead-units (${summary.mode}: ${summary.why}): removed units: ${prunedUnits(summary)}, saved multiply-adds per sample: ${savedMacs(summary)}`);
  return lines;
}

class GraphEditor {
  private readonly names: Set<string>;
  private readonly types;
  readonly consts: Node[] = [];

  constructor(private readonly graph: Graph) {
    this.names = new Set([...graph.inputs.map((v) => v.name), ...graph.nodes.map((n) => n.name)]);
    this.types = valueTypes(graph);
  }

  constNode(hint: string, value: TensorData): string {
    let name = `${hint}.pruned`;
    for (let k = 2; this.names.has(name); k++) name = `${hint}.pruned${k}`;
    this.names.add(name);
    const node = makeNode(name, 'const', [], { value });
    this.consts.push(node);
    this.types.set(name, node.type);
    return name;
  }

  dataOf(name: string): TensorData {
    const node = this.graph.nodes.find((n) => n.name === name && n.op === 'const') ?? this.consts.find((n) => n.name === name);
    if (node === undefined) throw new CompileError(`internal: ${formatValueName(name)} is not a constant`);
    return tensorAttr(node.attrs, 'value');
  }

  remake(node: Node, inputs: readonly string[]): Node {
    const operands = inputs.map((name) => {
      const type = this.types.get(name);
      if (type === undefined) throw new CompileError(`internal: ${formatValueName(name)} has no type`);
      return { name, type };
    });
    const made = makeNode(node.name, node.op as OpName, operands, node.attrs);
    this.types.set(made.name, made.type);
    return made;
  }
}

/** Keeps, along `axis`, the blocks k·block … k·block + block − 1 for k in `keep`. */
function sliceAxis(value: TensorData, axis: number, keep: readonly number[], block = 1): TensorData {
  const outer = value.shape.slice(0, axis).reduce((n, d) => n * d, 1);
  const size = value.shape[axis] ?? 1;
  const inner = value.shape.slice(axis + 1).reduce((n, d) => n * d, 1);
  const width = block * inner;
  const data = new Float32Array(outer * keep.length * width);
  let at = 0;
  for (let o = 0; o < outer; o++) {
    for (const k of keep) {
      const from = (o * size + k * block) * inner;
      data.set(value.data.subarray(from, from + width), at);
      at += width;
    }
  }
  const shape = value.shape.map((d, i) => (i === axis ? keep.length * block : d));
  return { shape, data };
}

/** A per-unit operand (scale, shift, PReLU slope) sliced along its units axis; scalars stay. */
function slicePerUnit(value: TensorData, keep: readonly number[], units: number): TensorData {
  const axis = value.shape.findIndex((d) => d === units && units !== 1);
  return axis < 0 ? value : sliceAxis(value, axis, keep);
}

/** Σ of W[o, j-block] over the block's inputs (linear columns or a conv's taps of channel j). */
function weightSum(weight: TensorData, o: number, j: number, block: number): number {
  const [rows = 1] = weight.shape;
  const width = weight.data.length / rows;
  let sum = 0;
  for (let t = 0; t < block; t++) sum += weight.data[o * width + j * block + t] ?? 0;
  return sum;
}

function pruneConsumer(editor: GraphEditor, chain: UnitChain, consumer: Node, keep: readonly number[], constants: ReadonlyMap<number, number>): Node {
  const layout = consumer.op === 'conv' ? convLayout(consumer.inputs.length, consumer.attrs) : linearLayout(consumer.inputs.length, consumer.attrs);
  const weight = editor.dataOf(consumer.inputs[1] ?? '');
  const [outFeatures = 0] = weight.shape;
  // A linear reads `span` columns per unit; a conv reads channel j's taps (axis 1).
  const axis = consumer.op === 'conv' ? 1 : weight.shape.length - 1;
  const block = consumer.op === 'conv' ? weight.shape.slice(2).reduce((n, d) => n * d, 1) : chain.span;
  const bias = layout.hasBias ? Float32Array.from(editor.dataOf(consumer.inputs[2] ?? '').data) : new Float32Array(outFeatures);
  let biasChanged = false;
  for (const [j, c] of constants) {
    if (c === 0) continue;
    biasChanged = true;
    for (let o = 0; o < outFeatures; o++) bias[o] = Math.fround((bias[o] ?? 0) + Math.fround(c * weightSum(weight, o, j, block)));
  }
  const inputs = [consumer.inputs[0] ?? '', editor.constNode(consumer.inputs[1] ?? '', sliceAxis(weight, axis, keep, consumer.op === 'conv' ? 1 : chain.span))];
  if (layout.hasBias || biasChanged) {
    inputs.push(biasChanged ? editor.constNode(consumer.inputs[2] ?? `${consumer.name}.bias`, { shape: [outFeatures], data: bias }) : consumer.inputs[2] ?? '');
  }
  inputs.push(...consumer.inputs.slice(layout.hasBias ? 3 : 2));
  return editor.remake(consumer, inputs);
}

function pruneChain(editor: GraphEditor, chain: UnitChain, constants: ReadonlyMap<number, number>): Map<string, Node> {
  const keep = Array.from({ length: chain.units }, (_, j) => j).filter((j) => !constants.has(j));
  const replaced = new Map<string, Node>();
  const perUnit = (name: string): string => {
    const value = editor.dataOf(name);
    const sliced = slicePerUnit(value, keep, chain.units);
    return sliced === value ? name : editor.constNode(name, sliced);
  };
  const p = chain.producer;
  const { hasBias, paramStart } = p.op === 'conv' ? convLayout(p.inputs.length, p.attrs) : linearLayout(p.inputs.length, p.attrs);
  const [x = '', w = ''] = p.inputs;
  const producerInputs = [x, editor.constNode(w, sliceAxis(editor.dataOf(w), 0, keep))];
  if (hasBias) producerInputs.push(editor.constNode(p.inputs[2] ?? '', sliceAxis(editor.dataOf(p.inputs[2] ?? ''), 0, keep)));
  producerInputs.push(...p.inputs.slice(paramStart).map(perUnit));
  replaced.set(p.name, editor.remake(p, producerInputs));
  for (const node of chain.steps) {
    if (node.op !== 'conv') {
      replaced.set(node.name, editor.remake(node, [node.inputs[0] ?? '', ...node.inputs.slice(1).map(perUnit)]));
      continue;
    }
    // A depthwise conv: channel j goes from its input and its output; one group per channel.
    const layout = convLayout(node.inputs.length, node.attrs);
    const inputs = [node.inputs[0] ?? '', editor.constNode(node.inputs[1] ?? '', sliceAxis(editor.dataOf(node.inputs[1] ?? ''), 0, keep))];
    if (layout.hasBias) inputs.push(editor.constNode(node.inputs[2] ?? '', sliceAxis(editor.dataOf(node.inputs[2] ?? ''), 0, keep)));
    inputs.push(...node.inputs.slice(layout.paramStart).map(perUnit));
    replaced.set(node.name, editor.remake({ ...node, attrs: { ...node.attrs, group: keep.length } }, inputs));
  }
  if (chain.flatten !== undefined) replaced.set(chain.flatten.name, editor.remake(chain.flatten, chain.flatten.inputs));
  for (const consumer of chain.consumers) replaced.set(consumer.name, pruneConsumer(editor, chain, consumer, keep, constants));
  return replaced;
}

/**
 * Units of a chain whose measured value is one constant over the oracle's inputs (≥ 1 kept).
 * A nonzero constant read by a padded conv differs at the border (padding reads 0 there, not
 * c), so such a unit stays.
 */
function constantUnits(chain: UnitChain, ranges: UnitRanges | undefined): Map<number, number> {
  const constants = new Map<number, number>();
  const units = chain.units;
  if (ranges === undefined) return constants;
  const padded = chain.consumers.some((n) => n.op === 'conv' && intsAttr(n.attrs, 'pads').some((p) => p !== 0));
  for (let j = 0; j < units; j++) {
    const lo = ranges.lo[j];
    if (lo === undefined || ranges.nan[j] !== 0 || lo !== ranges.hi[j] || !Number.isFinite(lo)) continue;
    if (lo !== 0 && padded) continue;
    constants.set(j, lo);
  }
  if (constants.size === units) constants.delete(0);
  return constants;
}

export function pruneDeadUnits(graph: Graph, oracle: UnitOracle, context: PassContext, summary?: PruneSummary): Graph {
  const chains = unitChains(graph).filter((c) => c.blocker === undefined);
  const ranges = oracle.ranges(graph, chains.map((c) => ({ name: c.measured, axis: c.axis })));
  let current = graph;
  const layers: PrunedLayer[] = [];
  for (const original of chains) {
    // Re-derive the chain on the current graph: an earlier chain may have rewritten its nodes.
    const chain = unitChains(current).find((c) => c.producer.name === original.producer.name && c.blocker === undefined);
    if (chain === undefined) continue;
    const constants = constantUnits(chain, ranges.get(chain.measured));
    const nonzero = [...constants.values()].filter((c) => c !== 0).length;
    layers.push({ producer: chain.producer.name, units: chain.units, removed: [...constants.keys()], nonzero, macsPerUnit: chain.macsPerUnit });
    if (constants.size === 0) continue;
    const editor = new GraphEditor(current);
    const replaced = pruneChain(editor, chain, constants);
    current = { ...current, nodes: [...editor.consts, ...current.nodes.map((n) => replaced.get(n.name) ?? n)] };
  }
  for (const chain of unitChains(graph).filter((c) => c.blocker !== undefined)) {
    context.note(`${formatValueName(chain.producer.name)} left whole: ${chain.blocker ?? ''}`);
  }
  const result: PruneSummary = { ...emptySummary(oracle.mode, oracle.why), layers };
  const nonNegative = oracle.nonNegativeSites?.(current);
  if (nonNegative !== undefined && nonNegative.size > 0) {
    const linear = linearizeProved(current, nonNegative);
    current = linear.graph;
    result.linearized.push(...linear.linearized);
    result.folded.push(...linear.folded);
  }
  summary?.layers.push(...result.layers);
  summary?.linearized.push(...result.linearized);
  summary?.folded.push(...result.folded);
  describePruning(result).forEach((line) => context.note(line));
  return dcePass.run(current, { note: () => undefined });
}

/** The pass for a given oracle; `summary`, when given, receives what it removed. */
export function pruneDeadUnitsPass(oracle: UnitOracle, summary?: PruneSummary): Pass {
  return {
    name: 'prune-dead-units',
    summary: 'remove units that are constant (dead) over an input box or on data; fold the constant into the next bias',
    run: (graph, context) => pruneDeadUnits(graph, oracle, context, summary),
  };
}
