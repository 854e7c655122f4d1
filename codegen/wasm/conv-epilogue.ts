// The fused epilogue of a convolution on the micro-kernel's f32x4 lanes: the shared scalar
// body (bias, residual, activation, composed by lowering) rendered by expr-emit.ts, with its
// operands read per output channel (a row of the conv's GEMM: bias, PReLU slope), as a scalar,
// or at the output's own position (the residual). Any other broadcast runs the same body as an
// in-place elementwise pass after the convolution, as `linear` does.

import { E } from '../../ir/scalar.ts';
import type { Access, ConvKernel, ElementwiseKernel, Extent } from '../affine-kernels.ts';
import { emitElementwiseKernel } from './elementwise-kernel.ts';
import { prepareVectorExpr } from './expr-emit.ts';
import type { Local } from './function-assembler.ts';
import { addressLocal, type KernelContext } from './kernel-context.ts';
import type { GemmSpec } from './linear-kernel.ts';

type OperandKind = 'scalar' | 'channel' | 'full';

/** The conv output's extents: [batch, outChannels, ...spatial]. */
export function convOutExtents(kernel: ConvKernel): Extent[] {
  return [kernel.batch, { perSample: 0, fixed: kernel.outChannels }, ...kernel.spatial.map((a) => ({ perSample: 0, fixed: a.out }))];
}

function classify(access: Access, extents: readonly Extent[]): OperandKind | undefined {
  const dense = extents.map((_, axis) => extents.slice(axis + 1).reduce((n, e) => n * e.fixed, 1));
  // An axis of extent 1 is never stepped: its stride does not matter.
  const matches = (pattern: (axis: number) => number): boolean =>
    access.strides.every((stride, axis) => {
      const extent = extents[axis];
      return (extent?.perSample === 0 && extent.fixed === 1) || stride === pattern(axis);
    });
  if (matches(() => 0)) return 'scalar';
  if (matches((axis) => (axis === 1 ? 1 : 0))) return 'channel';
  if (matches((axis) => dense[axis] ?? 0)) return 'full';
  return undefined;
}

/** Whether every epilogue operand is read in the micro-kernel (no pass over the whole output after). */
export function convEpilogueFuses(kernel: ConvKernel): boolean {
  const extents = convOutExtents(kernel);
  return kernel.epilogue.operands.every((access) => classify(access, extents) !== undefined);
}

export interface ConvEpilogue {
  /** For the micro-kernel; absent when the sums are stored as they are. */
  readonly epilogue?: GemmSpec['epilogue'];
  /**
   * For a kernel whose vectors all belong to one output channel at a time (depthwise): emits,
   * where called, loads of the scalar and per-channel operands of channel `channel` into
   * locals, which every epilogue emitted afterwards reads instead of memory.
   */
  readonly hoist?: (channel: Local) => void;
  /** Emits the epilogue pass that could not be fused (after the whole convolution), if any. */
  readonly after: () => void;
}

/**
 * Prepares the epilogue. `groupRowBytes` holds 4 × the first output channel of the current
 * group (rows of the GEMM count from there), `outBase` the output's address.
 */
export function convEpilogue(ctx: KernelContext, kernel: ConvKernel, groupRowBytes: Local, outBase: Local): ConvEpilogue {
  const { asm } = ctx;
  const extents = convOutExtents(kernel);
  const kinds = kernel.epilogue.operands.map((access) => classify(access, extents));
  const fused = kinds.every((kind) => kind !== undefined);
  const body = fused ? kernel.epilogue.body : E.operand(0);
  const trivial = body.kind === 'operand' && body.index === 0;
  const after = (): void => {
    if (fused) return;
    const dense = extents.map((_, axis) => extents.slice(axis + 1).reduce((n, e) => n * e.fixed, 1));
    const pass: ElementwiseKernel = {
      kind: 'elementwise', label: kernel.label, op: kernel.op, out: kernel.out, extents,
      operands: [{ buffer: kernel.out, strides: dense }, ...kernel.epilogue.operands], body: kernel.epilogue.body,
    };
    emitElementwiseKernel(ctx, pass);
  };
  if (trivial) return { after };
  const addresses = fused ? kernel.epilogue.operands.map((access, i) => addressLocal(ctx, access.buffer, `ep${i + 1}_`)) : [];
  // A full operand sits at a fixed distance from the output element it belongs to.
  kinds.forEach((kind, i) => {
    const address = addresses[i];
    if (kind === 'full' && address !== undefined) asm.get(address).get(outBase).i32('i32.sub').set(address);
  });
  const emitBody = prepareVectorExpr(asm, body);
  const hoisted = new Map<number, Local>();
  return {
    after,
    hoist: (channel) => {
      kinds.forEach((kind, i) => {
        const address = addresses[i];
        if (address === undefined || (kind !== 'scalar' && kind !== 'channel')) return;
        const local = hoisted.get(i) ?? asm.local('v128', `ep${i + 1}v`);
        hoisted.set(i, local);
        asm.get(address);
        if (kind === 'channel') asm.get(groupRowBytes).i32('i32.add').get(channel).i32Const(2).i32('i32.shl').i32('i32.add');
        asm.v128Load32Splat(0).set(local);
      });
    },
    epilogue: (a, value, site) => emitBody({
      library: ctx.library,
      operand: (index) => {
        if (index === 0) { a.get(value); return; }
        const address = addresses[index - 1];
        if (address === undefined) throw new Error(`internal: no epilogue operand ${index}`);
        const local = hoisted.get(index - 1);
        if (local !== undefined) { a.get(local); return; }
        switch (kinds[index - 1]) {
          case 'scalar': a.get(address).v128Load32Splat(0); return;
          case 'channel':
            a.get(address).get(groupRowBytes).i32('i32.add').get(site.row).i32Const(2).i32('i32.shl').i32('i32.add');
            a.v128Load32Splat(site.r * 4);
            return;
          case 'full': a.get(address).get(site.at).i32('i32.add').v128Load(site.offset); return;
          case undefined: throw new Error('internal: unfused epilogue operand');
        }
      },
    }),
  };
}
