// The mask's offset for one lead index of a fused attention, shared by the general and the
// register-blocked wasm attention kernels: p decomposed over the lead dims, each coordinate
// times the mask's stride on that dim (0 where the mask broadcasts).

import type { AttentionKernel } from '../affine-kernels.ts';
import type { Local } from './function-assembler.ts';
import { pushAffine, type KernelContext } from './kernel-context.ts';

/** Sets `into` to the byte address of the mask block for lead index `p`. */
export function emitMaskOffset(ctx: KernelContext, kernel: AttentionKernel, maskAddr: Local, p: Local, into: Local): void {
  const mask = kernel.mask;
  if (mask === undefined) return;
  const { asm } = ctx;
  const rest = asm.local('i32', 'rest');
  const coord = asm.local('i32', 'coord');
  asm.get(maskAddr).set(into).get(p).set(rest);
  for (let axis = kernel.lead.length - 1; axis >= 0; axis--) {
    // A stride may be a run-time size (a key-padding mask [N, 1, 1, S] steps by S along N).
    const stride = mask.leadStrides[axis] ?? { perSample: 0, fixed: 0 };
    const times = (): void => {
      if (stride.perSample === 0) asm.i32Const(stride.fixed * 4).i32('i32.mul');
      else {
        pushAffine(ctx, stride);
        asm.i32('i32.mul').i32Const(4).i32('i32.mul');
      }
    };
    if (axis === 0) {
      asm.get(into).get(rest);
      times();
      asm.i32('i32.add').set(into);
      continue;
    }
    const dim = kernel.lead[axis]?.fixed ?? 1;
    asm.get(rest).i32Const(dim).i32('i32.rem_u').set(coord);
    asm.get(rest).i32Const(dim).i32('i32.div_u').set(rest);
    asm.get(into).get(coord);
    times();
    asm.i32('i32.add').set(into);
  }
}
