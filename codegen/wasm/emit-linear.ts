// Renders a lowered `linear` kernel with the packed-panel micro-kernel. The epilogue (bias
// and activation, composed by lowering into one scalar body over $0 = the dot product) is
// emitted on f32x4 lanes when its operands are per column (bias, per-channel slope) or
// scalars; any other broadcast runs the same body as an in-place elementwise pass after.
// A fused kernel splits between threads by column panels (when there are at least 4 per
// thread: each thread then reads only its panels' weights) or else by register blocks of rows.

import { E } from '../../ir/scalar.ts';
import type { Access, ElementwiseKernel, LinearKernel } from '../affine-kernels.ts';
import { emitElementwiseKernel } from './elementwise-kernel.ts';
import { prepareVectorExpr } from './expr-emit.ts';
import type { Local } from './function-assembler.ts';
import { addressLocal, extentLocal, type KernelContext } from './kernel-context.ts';
import { emitShare } from './threads.ts';
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

/** Whether the kernel splits between threads: when its epilogue is fused (no pass over all of y after). */
export function linearSplits(kernel: LinearKernel): boolean {
  return kernel.epilogue.operands.every((access) => classify(access) !== undefined);
}

/** Panels per thread from which a kernel splits by panels rather than rows. */
const PANELS_PER_THREAD = 4;

/**
 * This thread's rows and panels: all rows of a share of the panels, or a share of the rows
 * (whole register blocks) of all panels. Adjusts x, y and rows to the row share.
 */
function share(ctx: KernelContext, rows: Local, x: Local, y: Local, kernel: LinearKernel, panels: number, rowsOnly: boolean): { first: Local; end: Local } {
  const { asm } = ctx;
  const first = asm.local('i32', 'p_first');
  const end = asm.local('i32', 'p_end');
  const rowStart = asm.local('i32', 'r_first');
  const total = asm.local('i32', 'p_total');
  asm.i32Const(panels).set(total);
  if (rowsOnly) asm.i32Const(0);
  else asm.get(ctx.threads).i32Const(PANELS_PER_THREAD).i32('i32.mul').i32Const(panels).i32('i32.le_u');
  asm.if();
  const byPanels = emitShare(ctx, total, 1, 'p');
  asm.get(byPanels.start).set(first).get(byPanels.end).set(end).i32Const(0).set(rowStart);
  asm.else();
  const byRows = emitShare(ctx, rows, MICRO_KERNEL.rowsPerBlock, 'r');
  asm.i32Const(0).set(first).i32Const(panels).set(end).get(byRows.start).set(rowStart).get(byRows.end).set(rows);
  asm.end();
  asm.get(rows).get(rowStart).i32('i32.sub').set(rows);
  asm.get(x).get(rowStart).i32Const(kernel.inFeatures * 4).i32('i32.mul').i32('i32.add').set(x);
  asm.get(y).get(rowStart).i32Const(kernel.outFeatures * 4).i32('i32.mul').i32('i32.add').set(y);
  return { first, end };
}

/** `byRows`: split by rows whatever the panels (a row chain's kernels, row-chains.ts). */
export function emitLinear(ctx: KernelContext, kernel: LinearKernel, byRows = false): void {
  const { asm } = ctx;
  if (kernel.weight.kind !== 'const') throw new Error('internal: linear weight is not packed');
  const packed = ctx.layout.packedConstants.get(kernel.weight.index);
  if (packed === undefined) throw new Error('internal: linear weight is not packed');
  const kinds = kernel.epilogue.operands.map(classify);
  const fused = kinds.every((kind) => kind !== undefined);
  const rows = extentLocal(ctx, kernel.rows, 'rows');
  const x = addressLocal(ctx, kernel.x, 'x');
  const y = addressLocal(ctx, kernel.out, 'y');
  const panels = fused ? share(ctx, rows, x, y, kernel, packed.layout.panels.length, byRows) : undefined;
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
    ...(panels === undefined ? {} : { panels }),
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
