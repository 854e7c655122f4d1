// Interval rules: how bounds flow through each op, as a table keyed by op name, with kind
// defaults where a whole kind shares one sound rule (every elementwise op is bounded from its
// scalar body; layout ops only move data, so they are bounded by moving the endpoints). An
// op without a rule is a CompileError, never a silent wrong bound: a new op gets an entry
// here before `inspect` or pruning can prove anything about it. The CNN ops' rules live in
// window-interval-rules.ts.

import { CompileError } from '../../ir/errors.ts';
import type { Node } from '../../ir/graph.ts';
import { formatValueName } from '../../ir/names.ts';
import { alignedOperandShapes, axisSplit, broadcastStrides, floatAttr, gatherLayout, matmulBlocks, OPS, resolveAxis, type Attrs, type ElementwiseSpec } from '../../ir/ops/index.ts';
import { sizeOf, stridesOf, type StaticShape } from '../../ir/types.ts';
import { emptyBounds, intervalAt, setInterval, type Bounds } from './bounds.ts';
import { dotBounds } from './dot-bounds.ts';
import { nextDownF32, nextUpF32, roundDownF32, roundUpF32 } from './f32-round.ts';
import type { Interval } from './interval.ts';
import { attentionRule, layerNormRule } from './interval-sequence.ts';
import { evaluateExprInterval, evaluateExprIntervalSplit } from './scalar-interval.ts';
import { resizeRule, WINDOW_RULES } from './window-interval-rules.ts';

export interface RuleInput {
  readonly node: Node;
  /** The operands' bounds (a fused activation's parameters already removed). */
  readonly inputs: readonly Bounds[];
  /** The node's attributes (a fused activation already removed). */
  readonly attrs: Attrs;
  readonly outShape: StaticShape;
  /** Axes whose length is a symbol bounded at 1 (bounds there hold at every length only for per-position ops). */
  readonly freeAxes: readonly number[];
}

export type IntervalRule = (input: RuleInput) => Bounds;

/** Pieces the varying operand of a one-input body is split into (see scalar-interval.ts). */
const SPLIT_PIECES = 8;

/** Bounds of an elementwise body over broadcast operands (also a fused activation's). */
export function elementwiseBounds(spec: ElementwiseSpec, attrs: Attrs, inputs: readonly Bounds[], outShape: StaticShape): Bounds {
  const body = spec.body(attrs);
  const aligned = alignedOperandShapes(spec, inputs.map((b) => b.shape), outShape.length) as StaticShape[];
  const strides = aligned.map((shape) => broadcastStrides(shape, outShape));
  const outStrides = stridesOf(outShape);
  const out = emptyBounds(outShape);
  // Operands other than $0 are usually constants (PReLU's slope); $0 is the one that varies.
  const split = inputs.length === 1 || spec.activation;
  const operands = new Array<Interval>(inputs.length);
  for (let flat = 0; flat < sizeOf(outShape); flat++) {
    for (let k = 0; k < inputs.length; k++) {
      let offset = 0;
      let rest = flat;
      for (let axis = 0; axis < outShape.length; axis++) {
        const step = outStrides[axis] ?? 1;
        const coord = Math.floor(rest / step);
        rest -= coord * step;
        offset += coord * (strides[k]?.[axis] ?? 0);
      }
      const operand = inputs[k];
      operands[k] = operand === undefined ? { lo: -Infinity, hi: Infinity, nan: true } : intervalAt(operand, offset);
    }
    setInterval(out, flat, split ? evaluateExprIntervalSplit(body, operands, 0, SPLIT_PIECES) : evaluateExprInterval(body, operands));
  }
  return out;
}

const elementwiseRule: IntervalRule = ({ node, inputs, attrs, outShape }) => {
  const spec = OPS[node.op].elementwise;
  if (spec === undefined) throw new CompileError(`internal: ${node.op} has no scalar body`);
  return elementwiseBounds(spec, attrs, inputs, outShape);
};

/**
 * Layout ops move values without arithmetic: the endpoints move with them. NaN flags ride
 * along as 0/1; a NaN endpoint (which data movement cannot make) would widen to unbounded.
 */
const moveEndpointsRule: IntervalRule = ({ node, inputs, attrs, outShape }) => {
  const def = OPS[node.op];
  const as = (pick: (b: Bounds) => ArrayLike<number>) => inputs.map((b) => ({ shape: b.shape, data: Float32Array.from(pick(b)) }));
  const lo = def.evaluate(as((b) => b.lo), attrs, outShape);
  const hi = def.evaluate(as((b) => b.hi), attrs, outShape);
  const nanFlags = def.evaluate(as((b) => b.nan), attrs, outShape);
  const nan = Uint8Array.from(nanFlags, (v, i) => (v !== 0 || Number.isNaN(lo[i] ?? NaN) || Number.isNaN(hi[i] ?? NaN) ? 1 : 0));
  return {
    shape: outShape,
    lo: Float32Array.from(lo, (v) => (Number.isNaN(v) ? -Infinity : v)),
    hi: Float32Array.from(hi, (v) => (Number.isNaN(v) ? Infinity : v)),
    nan,
  };
};

/** linear(x, W[, b]): one dot product per output, each bounded by dotBounds. */
const linearRule: IntervalRule = ({ node, inputs, outShape }) => {
  const [x, w, b] = inputs;
  if (x === undefined || w === undefined) throw new CompileError('internal: linear without operands', { node: node.name, op: node.op });
  const [outFeatures = 0, inFeatures = 0] = w.shape;
  const rows = inFeatures === 0 ? 0 : x.lo.length / inFeatures;
  const out = emptyBounds(outShape);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < outFeatures; j++) {
      const bias = b === undefined ? undefined : intervalAt(b, j);
      const value = dotBounds({ ...x, offset: r * inFeatures, stride: 1 }, { ...w, offset: j * inFeatures, stride: 1 }, inFeatures, bias);
      setInterval(out, r * outFeatures + j, value);
    }
  }
  return out;
};

/** matmul(a, b) with NumPy broadcasting of the leading dims (rank-1 operands promoted). */
const matmulRule: IntervalRule = ({ node, inputs, outShape }) => {
  const [a, b] = inputs;
  if (a === undefined || b === undefined) throw new CompileError('internal: matmul without operands', { node: node.name, op: node.op });
  const blocks = matmulBlocks(a.shape, b.shape);
  const { m, k, n } = blocks;
  const out = emptyBounds(outShape);
  blocks.forEach((p, aBase, bBase) => {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const value = dotBounds({ ...a, offset: aBase + i * k, stride: 1 }, { ...b, offset: bBase + j, stride: n }, k);
        setInterval(out, (p * m + i) * n + j, value);
      }
    }
  });
  return out;
};

/**
 * softmax: out_i = 1 / (1 + Σ_{j≠i} exp(x_j - x_i)), smallest when the others are high and
 * x_i low. The f64 formula and the interpreter's differ by a few f64 ulps; a relative 1e-12
 * and one f32 ulp of slack cover that. A row with NaN or an infinity may be NaN anywhere.
 * Softmax along an axis of symbolic length bounded at 1 depends on that length: only [0, 1]
 * holds there.
 */
const softmaxRule: IntervalRule = ({ inputs, attrs, outShape, freeAxes }) => {
  const [x] = inputs;
  const out = emptyBounds(outShape);
  if (x === undefined) return out;
  const axis = resolveAxis(floatAttr(attrs, 'axis'), outShape.length);
  if (freeAxes.includes(axis)) {
    // The row's length is a symbol's (the batch, a sequence): only [0, 1] holds for every length.
    for (let i = 0; i < out.lo.length; i++) setInterval(out, i, { lo: 0, hi: 1, nan: x.nan.some((f) => f !== 0) || !x.lo.every(Number.isFinite) || !x.hi.every(Number.isFinite) });
    return out;
  }
  const { outer, size, inner } = axisSplit(outShape, axis);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (t: number): number => (o * size + t) * inner + i;
      let finite = true;
      for (let t = 0; t < size; t++) {
        const v = intervalAt(x, at(t));
        if (v.nan || !Number.isFinite(v.lo) || !Number.isFinite(v.hi)) finite = false;
      }
      for (let t = 0; t < size; t++) {
        if (!finite) { setInterval(out, at(t), { lo: 0, hi: 1, nan: true }); continue; }
        let low = 1;
        let high = 1;
        for (let s = 0; s < size; s++) {
          if (s === t) continue;
          low += Math.exp((x.hi[at(s)] ?? 0) - (x.lo[at(t)] ?? 0));
          high += Math.exp((x.lo[at(s)] ?? 0) - (x.hi[at(t)] ?? 0));
        }
        const lo = Math.max(0, nextDownF32(roundDownF32((1 / low) * (1 - 1e-12))));
        const hi = Math.min(1, nextUpF32(roundUpF32((1 / high) * (1 + 1e-12))));
        setInterval(out, at(t), { lo, hi, nan: false });
      }
    }
  }
  return out;
};

/**
 * gather(data, ids): with exact ids (a constant) each output reads the bounds of the row it
 * picks; otherwise any row may be picked, so each output gets the hull of its column over
 * the gathered axis.
 */
const gatherRule: IntervalRule = (input) => {
  const [data, ids] = input.inputs;
  if (data === undefined || ids === undefined) throw new CompileError('internal: gather without operands', { node: input.node.name, op: input.node.op });
  const exact = ids.lo.every((v, i) => v === ids.hi[i] && ids.nan[i] === 0);
  if (exact) return moveEndpointsRule({ ...input, inputs: [data, { ...ids, nan: new Uint8Array(ids.lo.length) }] });
  const { axis, size, inner } = gatherLayout(data.shape, input.attrs);
  const outer = sizeOf(data.shape.slice(0, axis));
  const count = sizeOf(input.outShape) / Math.max(1, outer * inner);
  const out = emptyBounds(input.outShape);
  for (let o = 0; o < outer; o++) {
    for (let e = 0; e < inner; e++) {
      let hull: Interval = { lo: Infinity, hi: -Infinity, nan: false };
      for (let r = 0; r < size; r++) {
        const v = intervalAt(data, (o * size + r) * inner + e);
        hull = { lo: Math.min(hull.lo, v.lo), hi: Math.max(hull.hi, v.hi), nan: hull.nan || v.nan };
      }
      for (let k = 0; k < count; k++) setInterval(out, (o * count + k) * inner + e, hull);
    }
  }
  return out;
};

/**
 * Rules by op name; ops of kind elementwise and layout fall back to their kind's rule (so
 * concat, slice and pad move endpoints, and clip, hard_sigmoid and hard_swish are bounded from
 * their scalar bodies).
 */
export const INTERVAL_RULES: Readonly<Record<string, IntervalRule>> = {
  gather: gatherRule,
  linear: linearRule,
  matmul: matmulRule,
  softmax: softmaxRule,
  resize: resizeRule(moveEndpointsRule),
  layer_norm: layerNormRule,
  attention: attentionRule,
  ...WINDOW_RULES,
};

/**
 * Recurrent layers (lstm, gru, rnn): every value unbounded and possibly NaN. Sound but
 * uninformative: a tighter rule would iterate the cell's interval bodies over the time steps
 * (tanh/sigmoid states stay in [-1, 1], but c and ReLU states grow).
 */
const unboundedRule: IntervalRule = ({ outShape }) => {
  const out = emptyBounds(outShape);
  out.lo.fill(-Infinity);
  out.hi.fill(Infinity);
  out.nan.fill(1);
  return out;
};

const KIND_RULES: Readonly<Partial<Record<string, IntervalRule>>> = {
  elementwise: elementwiseRule,
  layout: moveEndpointsRule,
  recurrent: unboundedRule,
};

export function intervalRule(node: Node): IntervalRule {
  const kind = Object.hasOwn(OPS, node.op) ? OPS[node.op].kind : undefined;
  const rule = Object.hasOwn(INTERVAL_RULES, node.op) ? INTERVAL_RULES[node.op] : kind === undefined ? undefined : KIND_RULES[kind];
  if (rule === undefined) throw new CompileError(`no interval rule for op ${node.op} (node ${formatValueName(node.name)})`);
  return rule;
}
