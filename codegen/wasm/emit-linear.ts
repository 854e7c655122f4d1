// Renders a lowered `linear` kernel with the packed-panel micro-kernel. The epilogue (bias
// and activation, composed by lowering into one scalar body over $0 = the dot product) is
// emitted on f32x4 lanes when its operands are per column (bias, per-channel slope) or
// scalars; any other broadcast runs the same body as an in-place elementwise pass after.

import { E } from '../../ir/scalar.ts';
import type { Access, ElementwiseKernel, LinearKernel } from '../affine-kernels.ts';
import { emitElementwiseKernel } from './elementwise-kernel.ts';
import { prepareVectorExpr } from './expr-emit.ts';
import { addressLocal, extentLocal, type KernelContext } from './kernel-context.ts';
import { emitLinearKernel, type MicroKernelShape } from './linear-kernel.ts';

/**
 * Chosen by test/bench/wasm/ceiling.ts on the reference machine (README, "The wasm target"):
 * 2 rows × 16 columns (8 accumulators) and 4 × 8 both reach ~45 GFLOP/s, 2 × 16 more
 * steadily at 256 rows, and its single-row kernel has 4 add chains without splitting K.
 * Unrolling K measured slower (V8 keeps fewer values in registers): 23 vs 45 at unroll 4.
 */
export const MICRO_KERNEL: MicroKernelShape = { rowsPerBlock: 2, panelWidth: 16, unroll: 1 };

type EpilogueOperand = 'column' | 'scalar';

function classify(access: Access): EpilogueOperand | undefined {
  const last = access.strides.length - 1;
  if (access.strides.every((s) => s === 0)) return 'scalar';
  if (access.strides.every((s, axis) => (axis === last ? s === 1 : s === 0))) return 'column';
  return undefined;
}

export function emitLinear(ctx: KernelContext, kernel: LinearKernel): void {
  const { asm } = ctx;
  if (kernel.weight.kind !== 'const') throw new Error('internal: linear weight is not packed');
  const packed = ctx.layout.packedConstants.get(kernel.weight.index);
  if (packed === undefined) throw new Error('internal: linear weight is not packed');
  const kinds = kernel.epilogue.operands.map(classify);
  const fused = kinds.every((kind) => kind !== undefined);
  const rows = extentLocal(ctx, kernel.rows, 'rows');
  const x = addressLocal(ctx, kernel.x, 'x');
  const y = addressLocal(ctx, kernel.out, 'y');
  const body = fused ? kernel.epilogue.body : E.operand(0);
  const trivial = body.kind === 'operand' && body.index === 0;
  const operandAddresses = fused ? kernel.epilogue.operands.map((access, i) => addressLocal(ctx, access.buffer, `ep${i + 1}_`)) : [];
  const emitBody = prepareVectorExpr(asm, body);
  emitLinearKernel(asm, {
    inFeatures: kernel.inFeatures,
    outFeatures: kernel.outFeatures,
    layout: packed.layout,
    weightsAddress: packed.address,
    shape: MICRO_KERNEL,
    relaxed: ctx.relaxed,
    ...(trivial ? {} : {
      epilogue: (a, value, site) => emitBody({
        library: ctx.library,
        operand: (index) => {
          if (index === 0) { a.get(value); return; }
          const address = operandAddresses[index - 1];
          if (address === undefined) throw new Error(`internal: no epilogue operand ${index}`);
          if (kinds[index - 1] === 'scalar') a.get(address).v128Load32Splat(0);
          else a.get(address).get(site.column).i32('i32.add').v128Load(site.columnByte);
        },
      }),
    }),
  }, { rows, x, y });
  if (fused) return;
  const extents = [...kernel.rowShape, { perSample: 0, fixed: kernel.outFeatures }];
  const dense = extents.map((_, axis) => extents.slice(axis + 1).reduce((p, e) => p * e.fixed, 1));
  const pass: ElementwiseKernel = {
    kind: 'elementwise', label: kernel.label, op: kernel.op, out: kernel.out, extents,
    operands: [{ buffer: kernel.out, strides: dense }, ...kernel.epilogue.operands],
    body: kernel.epilogue.body,
  };
  emitElementwiseKernel(ctx, pass);
}
