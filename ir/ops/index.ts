// The op table: every op of fusegraph, declared once. Passes and backends ask this table
// (kind, purity, arity, elementwise body), never lists of op names of their own.

import { convOps } from './conv.ts';
import { elementwiseOps } from './elementwise.ts';
import { gatherOps } from './gather.ts';
import { maskOps } from './masks.ts';
import { layoutOps } from './layout.ts';
import { gruOps } from './gru.ts';
import { linearOps } from './linear.ts';
import { lstmOps } from './lstm.ts';
import { poolOps } from './pool.ts';
import { reduceOps } from './reduce.ts';
import { regionOps } from './regions.ts';
import { resizeOps } from './resize.ts';
import { rnnOps } from './rnn.ts';
import { sequenceOps } from './sequence.ts';
import { sourceOps } from './source.ts';
import type { OpDef } from './types.ts';

const OP_TABLE = {
  ...sourceOps,
  ...linearOps,
  ...convOps,
  ...elementwiseOps,
  ...maskOps,
  ...gatherOps,
  ...reduceOps,
  ...poolOps,
  ...layoutOps,
  ...regionOps,
  ...resizeOps,
  ...lstmOps,
  ...gruOps,
  ...rnnOps,
  ...sequenceOps,
} satisfies Record<string, OpDef>;

export type OpName = keyof typeof OP_TABLE;
export const OPS: Readonly<Record<OpName, OpDef>> = OP_TABLE;
export type ElementwiseOpName = keyof typeof elementwiseOps | keyof typeof maskOps;
export type LayoutOpName = keyof typeof layoutOps;

export const OP_NAMES = Object.keys(OPS) as OpName[];

export function isOpName(name: string): name is OpName {
  return Object.hasOwn(OPS, name);
}

export function opDef(name: OpName): OpDef {
  return OPS[name];
}

/** Ops usable as `linear`'s fused activation, e.g. relu, leaky_relu, prelu. */
export const ACTIVATION_OPS = OP_NAMES.filter((name) => OPS[name].elementwise?.activation === true);

export * from './types.ts';
export * from './attrs.ts';
export { activationDef, activationParamCount, linearLayout, matmulBlocks, type MatmulBlocks } from './linear.ts';
export { alignedOperandShapes, evaluateElementwise } from './elementwise.ts';
export { broadcastShapes, broadcastStrides } from './broadcast.ts';
export { resolveAxis, axisSplit, reducedAxes, type ReduceCombine } from './reduce.ts';
export { convLayout, convGeometry, convTransposeGeometry, forEachConvTap, forEachConvTransposeTap, type ConvSite } from './conv.ts';
export { poolGeometry, avgPoolDivisor, type PoolCombine } from './pool.ts';
export { sliceAxes, padSource, padsPerAxis, type PadMode, type SliceAxis } from './regions.ts';
export { resizeAxes, resizeTaps, type ResizeTaps } from './resize.ts';
export { windowGeometry, spatialSizes, forEachIndex, type WindowGeometry } from './window.ts';
export { recurrentGeometry, recurrentOutputType, cellOperands, isReverse, type RecurrentGeometry, type CellKind, type CellBodies } from './recurrent.ts';
export { recurrentIndexing } from './recurrent-eval.ts';
export { lstmBodies } from './lstm.ts';
export { gruBodies } from './gru.ts';
export { rnnBodies } from './rnn.ts';
export { attentionDims, layerNormLayout, normalizedShape } from './sequence.ts';
export { powBody } from './power.ts';
export { reshapeTarget, flattenShape, transposePerm } from './layout.ts';
export { gatherLayout, gatherIdMessage, unflatten, type GatherLayout } from './gather.ts';
export { ANY_DTYPE, F32_ONLY, KEEPS_DTYPE, resolveDType } from './dtype-rules.ts';
