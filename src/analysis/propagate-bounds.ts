// Interval bound propagation: sound bounds for every value of a graph over all inputs in a
// box, in one forward sweep in topological order (rules in interval-rules.ts). A node with a
// fused activation is bounded in two steps, the op without its activation, then the
// activation's body, and the first result is kept: the pre-activation bounds that prove a
// unit dead (upper bound <= 0) or linear (lower bound >= 0).

import { CompileError } from '../../ir/errors.ts';
import type { Graph } from '../../ir/graph.ts';
import { formatValueName } from '../../ir/names.ts';
import { activationDef, tensorAttr } from '../../ir/ops/index.ts';
import { formatShape, sizeOf, type TensorType } from '../../ir/types.ts';
import { activationSites, withoutActivation } from './activation-sites.ts';
import { boundsShape, freeAxes, pointBounds, type BoundDims, type Bounds } from './bounds.ts';
import { BackSubstitution } from './back-substitution.ts';
import { checkFreeAxes } from './free-axis-guard.ts';
import { nextDown64, nextUp64, roundDownF32, roundUpF32 } from './f32-round.ts';
import { elementwiseBounds, intervalRule } from './interval-rules.ts';

/** Per-input lower and upper limits, one per element of a sample (or one for all). */
export interface InputBox {
  readonly lo: Float32Array | number;
  readonly hi: Float32Array | number;
}

export interface BoundsResult {
  /** Bounds of every value (inputs, constants, node outputs) by name. */
  readonly values: ReadonlyMap<string, Bounds>;
  /** For nodes with a fused activation: bounds of the op's result before the activation. */
  readonly preActivation: ReadonlyMap<string, Bounds>;
}

function inputBounds(name: string, shape: readonly number[], box: InputBox): Bounds {
  const size = sizeOf(shape);
  const pick = (limit: Float32Array | number, i: number): number => (typeof limit === 'number' ? limit : limit[i] ?? NaN);
  for (const limit of [box.lo, box.hi]) {
    if (typeof limit !== 'number' && limit.length !== size) {
      throw new CompileError(`the input box of ${formatValueName(name)} has ${limit.length} values per sample, the input ${formatShape(shape)} has ${size}`);
    }
  }
  // The box holds real numbers; the f32 inputs inside it lie between the f32 neighbours.
  const lo = Float32Array.from({ length: size }, (_, i) => roundDownF32(pick(box.lo, i)));
  const hi = Float32Array.from({ length: size }, (_, i) => roundUpF32(pick(box.hi, i)));
  for (let i = 0; i < size; i++) {
    const l = lo[i] ?? NaN;
    const h = hi[i] ?? NaN;
    if (!(l <= h) || !Number.isFinite(l) || !Number.isFinite(h)) {
      throw new CompileError(`the input box of ${formatValueName(name)} needs finite limits lo <= hi, got [${pick(box.lo, i)}, ${pick(box.hi, i)}] at element ${i}`);
    }
  }
  return { shape, lo, hi, nan: new Uint8Array(size) };
}

export interface PropagateOptions {
  /** Tighten deeper linear and conv layers by back-substitution (back-substitution.ts); default true. */
  readonly symbolic?: boolean;
  /**
   * Values of the graph's symbols (as the interpreter's `dims`): bounds hold at these sizes.
   * Symbols left out are bounded at 1, which holds at every size for ops that work per
   * position along them (elementwise, linear, layer_norm over a static axis; softmax along
   * them is widened to [0, 1]).
   */
  readonly dims?: BoundDims;
}

/** Intersects interval bounds with symbolic ones (rounded outward onto the f32 grid). */
function tighten(bounds: Bounds, symbolic: { lo: Float64Array; hi: Float64Array } | undefined): Bounds {
  if (symbolic === undefined || symbolic.lo.length !== bounds.lo.length) return bounds;
  const lo = bounds.lo.map((v, i) => Math.max(v, roundDownF32(nextDown64(symbolic.lo[i] ?? -Infinity))));
  const hi = bounds.hi.map((v, i) => Math.min(v, roundUpF32(nextUp64(symbolic.hi[i] ?? Infinity))));
  return { ...bounds, lo, hi };
}

export function propagateBounds(graph: Graph, boxes: ReadonlyMap<string, InputBox> | InputBox, options: PropagateOptions = {}): BoundsResult {
  const values = new Map<string, Bounds>();
  const preActivation = new Map<string, Bounds>();
  const dims = options.dims ?? {};
  for (const name of Object.keys(dims)) {
    const value = dims[name];
    if (value === undefined || !Number.isSafeInteger(value) || value < 1) throw new CompileError(`symbolic dim ${name} must be a positive integer, got ${value}`);
  }
  for (const input of graph.inputs) {
    const box = boxes instanceof Map ? boxes.get(input.name) : (boxes as InputBox);
    if (box === undefined) throw new CompileError(`no input box for ${formatValueName(input.name)}`);
    values.set(input.name, inputBounds(input.name, boundsShape(input.type, dims), box));
  }
  const symbolic = options.symbolic === false ? undefined : new BackSubstitution(graph, { values, preActivation });
  const types = new Map<string, TensorType>([...graph.inputs.map((i) => [i.name, i.type] as const), ...graph.nodes.map((n) => [n.name, n.type] as const)]);
  const fused = new Map(activationSites(graph).filter((s) => s.fusedAttr !== undefined).map((s) => [s.node.name, s]));
  for (const node of graph.nodes) {
    checkFreeAxes(node, types, dims);
    const outShape = boundsShape(node.type, dims);
    const free = freeAxes(node.type, dims);
    if (node.op === 'const') {
      values.set(node.name, pointBounds(outShape, tensorAttr(node.attrs, 'value').data));
      continue;
    }
    const operand = (name: string): Bounds => {
      const bounds = values.get(name);
      if (bounds === undefined) throw new CompileError(`operand ${formatValueName(name)} is not defined`, { node: node.name, op: node.op });
      return bounds;
    };
    const site = fused.get(node.name);
    if (site?.fusedAttr === undefined) {
      const bounds = intervalRule(node)({ node, inputs: node.inputs.map(operand), attrs: node.attrs, outShape, freeAxes: free });
      values.set(node.name, node.op === 'linear' || node.op === 'conv' ? tighten(bounds, symbolic?.refine(node)) : bounds);
      continue;
    }
    const stripped = withoutActivation(node, site.fusedAttr);
    const interval = intervalRule(node)({ node, inputs: stripped.inputs.map(operand), attrs: stripped.attrs, outShape, freeAxes: free });
    const pre = node.op === 'linear' || node.op === 'conv' ? tighten(interval, symbolic?.refine(node)) : interval;
    const spec = activationDef(site.activation.op)?.elementwise;
    if (spec === undefined) throw new CompileError(`internal: '${site.activation.op}' is not an activation`, { node: node.name, op: node.op });
    const params = node.inputs.slice(stripped.inputs.length).map(operand);
    preActivation.set(node.name, pre);
    values.set(node.name, elementwiseBounds(spec, site.activation.attrs, [pre, ...params], outShape));
  }
  return { values, preActivation };
}
