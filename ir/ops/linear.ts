// Contractions: `linear` (PyTorch layout, with an optional fused activation epilogue) and
// `matmul` (NumPy matmul with broadcast leading dims). Sums accumulate in f64 in index
// order and round to f32 once; linear's bias is then added in f32 and its activation
// applied in f32 arithmetic (ir/scalar.ts), exactly as add(matmul(x, Wᵀ), b) would.

import { CompileError } from '../errors.ts';
import { formatShape, formatType, isSymbolic, type Dim, type Shape, type StaticShape, type TensorType, sizeOf } from '../types.ts';
import { activationAttr } from './attrs.ts';
import { broadcastShapes, broadcastStrides } from './broadcast.ts';
import { elementwiseOps, evaluateElementwise } from './elementwise.ts';
import type { Activation, Attrs, OpDef, Tensor } from './types.ts';

/** The elementwise ops that can serve as a fused activation. */
export function activationDef(name: string): OpDef | undefined {
  const def = (elementwiseOps as Readonly<Record<string, OpDef>>)[name];
  return def?.elementwise?.activation === true ? def : undefined;
}

/** How many parameter operands (PReLU's slope) an activation takes after its data. */
export function activationParamCount(activation: Activation | undefined): number {
  if (activation === undefined) return 0;
  return (activationDef(activation.op)?.arity.min ?? 1) - 1;
}

/** Where a linear node's operands sit: x, W, then an optional bias, then activation params. */
export function linearLayout(inputCount: number, attrs: Attrs): { hasBias: boolean; paramStart: number } {
  const params = activationParamCount(activationAttr(attrs));
  const hasBias = inputCount - 2 - params === 1;
  return { hasBias, paramStart: hasBias ? 3 : 2 };
}

function inferLinear(inputs: readonly TensorType[], attrs: Attrs): TensorType {
  const activation = activationAttr(attrs);
  if (activation !== undefined && activationDef(activation.op) === undefined) {
    throw new CompileError(`activation '${activation.op}' is not an activation op`);
  }
  const params = activationParamCount(activation);
  const biasCount = inputs.length - 2 - params;
  if (biasCount !== 0 && biasCount !== 1) {
    throw new CompileError(`expects (x, weight[, bias]${params > 0 ? ', activation params' : ''}): ${2 + params} or ${3 + params} operands, got ${inputs.length}`);
  }
  const [x, w] = inputs;
  if (x === undefined || w === undefined) throw new CompileError('expects x and weight');
  if (w.shape.length !== 2 || w.shape.some(isSymbolic)) {
    throw new CompileError(`weight must be a static matrix [out, in], got ${formatType(w)}`);
  }
  const [outFeatures, inFeatures] = w.shape as [number, number];
  if (x.shape.length < 1 || x.shape[x.shape.length - 1] !== inFeatures) {
    throw new CompileError(`weight ${formatType(w)} needs input f32[*,${inFeatures}], got ${formatType(x)}`);
  }
  if (biasCount === 1) {
    const b = inputs[2];
    if (b === undefined || b.shape.length !== 1 || b.shape[0] !== outFeatures) {
      throw new CompileError(`bias must be f32[${outFeatures}] for weight ${formatType(w)}, got ${b ? formatType(b) : 'nothing'}`);
    }
  }
  const out: TensorType = { dtype: 'f32', shape: [...x.shape.slice(0, -1), outFeatures] };
  if (activation !== undefined) {
    const def = activationDef(activation.op);
    def?.inferType([out, ...inputs.slice(2 + biasCount)], activation.attrs);
  }
  return out;
}

function evaluateLinear(inputs: readonly Tensor[], attrs: Attrs, outShape: StaticShape): Float32Array {
  const [x, w] = inputs;
  if (x === undefined || w === undefined) throw new CompileError('internal: linear without operands');
  const { hasBias, paramStart } = linearLayout(inputs.length, attrs);
  const bias = hasBias ? inputs[2] : undefined;
  const [outFeatures = 0, inFeatures = 0] = w.shape;
  const rows = inFeatures === 0 ? 0 : x.data.length / inFeatures;
  const out = new Float32Array(rows * outFeatures);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < outFeatures; j++) {
      let acc = 0;
      for (let k = 0; k < inFeatures; k++) acc += (x.data[r * inFeatures + k] ?? 0) * (w.data[j * inFeatures + k] ?? 0);
      // The dot product rounds once to f32; the bias is then an f32 add, as in add(matmul, b).
      out[r * outFeatures + j] = bias === undefined ? acc : Math.fround(acc) + (bias.data[j] ?? 0);
    }
  }
  const activation = activationAttr(attrs);
  const spec = activation ? activationDef(activation.op)?.elementwise : undefined;
  if (activation === undefined || spec === undefined) return out;
  const pre: Tensor = { shape: outShape, data: out };
  return evaluateElementwise(spec, activation.attrs, [pre, ...inputs.slice(paramStart)], outShape);
}

interface MatmulPlan {
  readonly batch: Dim[];
  readonly m: Dim;
  readonly k: Dim;
  readonly n: Dim;
  readonly out: Dim[];
}

function planMatmul(a: Shape, b: Shape): MatmulPlan {
  if (a.length === 0 || b.length === 0) throw new CompileError('matmul needs operands of rank >= 1');
  const a2 = a.length === 1 ? [1, ...a] : a;
  const b2 = b.length === 1 ? [...b, 1] : b;
  const m = a2[a2.length - 2] ?? 1;
  const k = a2[a2.length - 1] ?? 1;
  const kb = b2[b2.length - 2] ?? 1;
  const n = b2[b2.length - 1] ?? 1;
  if (k !== kb) {
    throw new CompileError(`contracted dims differ: ${formatShape(a)} @ ${formatShape(b)} (${k} vs ${kb})`);
  }
  const batch = broadcastShapes([a2.slice(0, -2), b2.slice(0, -2)]);
  const out: Dim[] = [...batch];
  if (a.length > 1) out.push(m);
  if (b.length > 1) out.push(n);
  return { batch, m, k, n, out };
}

/** The [m, k] by [k, n] blocks of a matmul: visits each batch index p with its blocks' offsets. */
export interface MatmulBlocks {
  readonly m: number;
  readonly k: number;
  readonly n: number;
  forEach(visit: (p: number, aBase: number, bBase: number) => void): void;
}

/** Blocks of a matmul on concrete shapes (leading dims broadcast, rank-1 operands promoted). */
export function matmulBlocks(aShape: StaticShape, bShape: StaticShape): MatmulBlocks {
  const plan = planMatmul(aShape, bShape);
  const [m, k, n] = [plan.m, plan.k, plan.n] as [number, number, number];
  const batch = plan.batch as number[];
  const a2 = aShape.length === 1 ? [1, ...aShape] : aShape;
  const b2 = bShape.length === 1 ? [...bShape, 1] : bShape;
  const aBatch = broadcastStrides(a2.slice(0, -2), batch).map((s) => s * m * k);
  const bBatch = broadcastStrides(b2.slice(0, -2), batch).map((s) => s * k * n);
  return {
    m, k, n,
    forEach(visit) {
      const batchCount = sizeOf(batch);
      for (let p = 0; p < batchCount; p++) {
        let aBase = 0;
        let bBase = 0;
        let rest = p;
        for (let axis = batch.length - 1; axis >= 0; axis--) {
          const dim = batch[axis] ?? 1;
          const coord = rest % dim;
          rest = Math.floor(rest / dim);
          aBase += coord * (aBatch[axis] ?? 0);
          bBase += coord * (bBatch[axis] ?? 0);
        }
        visit(p, aBase, bBase);
      }
    },
  };
}

function evaluateMatmul(inputs: readonly Tensor[], _attrs: Attrs, outShape: StaticShape): Float32Array {
  const [a, b] = inputs;
  if (a === undefined || b === undefined) throw new CompileError('internal: matmul without operands');
  const blocks = matmulBlocks(a.shape, b.shape);
  const { m, k, n } = blocks;
  const out = new Float32Array(sizeOf(outShape));
  blocks.forEach((p, aBase, bBase) => {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let t = 0; t < k; t++) acc += (a.data[aBase + i * k + t] ?? 0) * (b.data[bBase + t * n + j] ?? 0);
        out[(p * m + i) * n + j] = acc;
      }
    }
  });
  return out;
}

export const linearOps = {
  linear: {
    name: 'linear',
    kind: 'linear',
    pure: true,
    arity: { min: 2, max: 4 },
    attrs: { activation: { type: 'activation' } },
    doc: 'x[..., in] · W[out, in]ᵀ + b[out], then the optional fused activation (its params follow the bias)',
    featureAxis: 'last',
    inferType: inferLinear,
    evaluate: evaluateLinear,
  },
  matmul: {
    name: 'matmul',
    kind: 'linear',
    pure: true,
    arity: { min: 2, max: 2 },
    attrs: {},
    doc: 'NumPy matmul: a[..., m, k] @ b[..., k, n] with broadcast leading dims; rank-1 operands promoted',
    inferType: (inputs) => {
      const [a, b] = inputs;
      if (a === undefined || b === undefined) throw new CompileError('expects two operands');
      return { dtype: 'f32', shape: planMatmul(a.shape, b.shape).out };
    },
    evaluate: evaluateMatmul,
  },
} satisfies Record<string, OpDef>;
