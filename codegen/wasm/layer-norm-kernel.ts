// layer_norm per contiguous row, as the interpreter computes it: the mean and the variance
// of x − mean in f64 (scalar loops, exact promotion of each f32), n = (x − mean) · rstd
// demoted to f32 once, then f32 multiply by scale and f32 add of bias. Bit-exact with the
// interpreter except for the order-independent f64 sums (which are in the same order too).

import type { LayerNormKernel } from '../affine-kernels.ts';
import type { Local } from './function-assembler.ts';
import { addressLocal, advance, countedLoop, extentLocal, type KernelContext } from './kernel-context.ts';

export function emitLayerNormKernel(ctx: KernelContext, kernel: LayerNormKernel): void {
  const { asm } = ctx;
  const n = kernel.size;
  const x = addressLocal(ctx, kernel.x, 'x');
  const r = kernel.residual === undefined ? undefined : addressLocal(ctx, kernel.residual, 'r');
  const rp = asm.local('i32', 'rp');
  const out = addressLocal(ctx, kernel.out, 'out');
  const scale = kernel.scale === undefined ? undefined : addressLocal(ctx, kernel.scale, 'scale');
  const bias = kernel.bias === undefined ? undefined : addressLocal(ctx, kernel.bias, 'bias');
  const rows = extentLocal(ctx, kernel.rows, 'rows');
  const size = asm.local('i32', 'size');
  asm.i32Const(n).set(size);
  const [xp, yp, sp, bp] = [asm.local('i32', 'xp'), asm.local('i32', 'yp'), asm.local('i32', 'sp'), asm.local('i32', 'bp')];
  const [sum, mean, rstd, d] = [asm.local('f64', 'sum'), asm.local('f64', 'mean'), asm.local('f64', 'rstd'), asm.local('f64', 'd')];
  const value = asm.local('f32', 'value');

  const sweep = (body: () => void): void => {
    asm.get(x).set(xp);
    if (r !== undefined) asm.get(r).set(rp);
    countedLoop(ctx, size, 'i', () => { body(); advance(asm, xp, 4); if (r !== undefined) advance(asm, rp, 4); });
  };
  /** x (or the f32 sum x + r, as add(x, r) would store it) promoted to f64. */
  const loadX = (): void => {
    asm.get(xp).f32Load(0);
    if (r !== undefined) asm.get(rp).f32Load(0).f32('f32.add');
    asm.f32('f64.promote_f32');
  };

  countedLoop(ctx, rows, 'rows', () => {
    asm.f64Const(0).set(sum);
    sweep(() => { asm.get(sum); loadX(); asm.f32('f64.add').set(sum); });
    asm.get(sum).f64Const(n).f32('f64.div').set(mean);
    asm.f64Const(0).set(sum);
    sweep(() => {
      loadX();
      asm.get(mean).f32('f64.sub').set(d);
      asm.get(sum).get(d).get(d).f32('f64.mul').f32('f64.add').set(sum);
    });
    asm.f64Const(1).get(sum).f64Const(n).f32('f64.div').f64Const(kernel.epsilon).f32('f64.add').f32('f64.sqrt').f32('f64.div').set(rstd);
    asm.get(out).set(yp);
    const params: Local[] = [];
    if (scale !== undefined) { asm.get(scale).set(sp); params.push(sp); }
    if (bias !== undefined) { asm.get(bias).set(bp); params.push(bp); }
    sweep(() => {
      loadX();
      asm.get(mean).f32('f64.sub').get(rstd).f32('f64.mul').f32('f32.demote_f64').set(value);
      if (scale !== undefined) asm.get(value).get(sp).f32Load(0).f32('f32.mul').set(value);
      if (bias !== undefined) asm.get(value).get(bp).f32Load(0).f32('f32.add').set(value);
      asm.get(yp).get(value).f32Store(0);
      advance(asm, yp, 4);
      for (const param of params) advance(asm, param, 4);
    });
    advance(asm, x, n * 4);
    if (r !== undefined) advance(asm, r, n * 4);
    advance(asm, out, n * 4);
  });
}
