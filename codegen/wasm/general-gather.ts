// Gathers (concat, slice, pad) whose extents and strides may be run-time sizes (several
// symbols: a slice of a transposed [N, D, S] along D, a concat along D of [N, D, S] tensors),
// dense over the output, one source region after another as in gather-kernel.ts: an identity
// axis steps the source pointer by its stride (a compile-time byte count or a local read at
// entry); every other axis has a static extent and reads a table fixed at compile time of
// source indices, -1 where the output is padding, scaled by the source stride at run time.

import { CompileError } from '../../ir/errors.ts';
import { isConstSize } from '../../ir/sym-size.ts';
import type * as K from '../kernels.ts';
import type { RuntimeSizes } from '../runtime-sizes.ts';
import type { Local } from './function-assembler.ts';
import { addressLocal, advance, countedLoop, extentLocal, type KernelContext } from './kernel-context.ts';
import { sourceIndex } from './gather-kernel.ts';
import { advanceBy, mulStep, pushStep, runtimeRef, stepOf, type Step } from './runtime-steps.ts';
import { TableWriter, type StaticData, type StaticTable } from './static-data.ts';

type Size = K.AffineExtent;

/** How a source's loop nest walks one output axis. */
type Walk =
  | { readonly kind: 'step' }
  | { readonly kind: 'table'; readonly table: StaticTable; readonly count: number };

interface SourcePlan {
  readonly buffer: K.BufferRef<'runtime'>;
  readonly strides: readonly Size[];
  readonly walks: readonly Walk[];
  /** The first output index along the region axis (0 without a region). */
  readonly begin: number;
  readonly regionAxis: number;
}

export function prepareGeneralGather(kernel: K.GatherKernel, sizes: RuntimeSizes, statics: StaticData): (ctx: KernelContext) => void {
  const extents = kernel.extents.map((e) => sizes.extent(e));
  const plans = kernel.sources.map((source): SourcePlan => {
    const begin = source.region?.begin ?? 0;
    const walks = source.maps.map((map, axis): Walk => {
      const region = axis === kernel.regionAxis && source.region !== undefined;
      if (map.kind === 'identity' && !region) return { kind: 'step' };
      const extent = kernel.extents[axis] ?? [];
      if (!isConstSize(extent)) {
        throw new CompileError('the wasm target takes several symbols in a gather only where the sliced, padded or concatenated axis is static (the JS target takes it)', { node: kernel.label, op: kernel.op });
      }
      const first = region ? begin : 0;
      const end = region ? (source.region?.end ?? 0) : (extent[0]?.coeff ?? 0);
      const table = new TableWriter();
      for (let k = first; k < end; k++) table.i32(sourceIndex(map, k));
      return { kind: 'table', table: statics.table(table), count: end - first };
    });
    return { buffer: runtimeRef(source.buffer, sizes), strides: source.strides.map((s) => sizes.extent(s)), walks, begin, regionAxis: kernel.regionAxis };
  });
  const out = runtimeRef(kernel.out, sizes);
  return (ctx) => {
    const outSteps = new Array<Step>(extents.length).fill(4);
    for (let a = extents.length - 2; a >= 0; a--) outSteps[a] = mulStep(ctx, outSteps[a + 1] ?? 4, stepOf(ctx, extents[a + 1] ?? { perSample: 0, fixed: 1 }, 1, `x${a}_`), `os${a}_`);
    for (const plan of plans) emitSource(ctx, kernel.fill, extents, outSteps, out, plan);
  };
}

function emitSource(ctx: KernelContext, fillValue: number, extents: readonly Size[], outSteps: readonly Step[], outRef: K.BufferRef<'runtime'>, plan: SourcePlan): void {
  const { asm } = ctx;
  const rank = extents.length;
  const steps = plan.strides.map((s, a) => stepOf(ctx, s, 4, `s${a}_`));
  const out = addressLocal(ctx, outRef, 'out');
  if (plan.begin > 0) {
    asm.get(out);
    pushStep(asm, outSteps[plan.regionAxis] ?? 4);
    asm.i32Const(plan.begin).i32('i32.mul').i32('i32.add').set(out);
  }

  /** Stores the fill value over `bytes` of output from `pointer` on. */
  const fill = (pointer: Local, bytes: Step): void => {
    const p = asm.local('i32', 'fill');
    const n = asm.local('i32', 'fills');
    asm.get(pointer).set(p);
    pushStep(asm, bytes);
    asm.i32Const(2).i32('i32.shr_u').set(n);
    countedLoop(ctx, n, 'fill', () => { asm.get(p).f32Const(fillValue).f32Store(0); advance(asm, p, 4); });
  };

  const level = (a: number, input: Local, output: Local): void => {
    const walk = plan.walks[a];
    if (walk === undefined) throw new Error(`internal: gather axis ${a} has no walk`);
    const innermost = a === rank - 1;
    const childIn = asm.local('i32', `in${a}_`);
    const childOut = asm.local('i32', `out${a}_`);
    if (walk.kind === 'step') {
      const count = extentLocal(ctx, extents[a] ?? { perSample: 0, fixed: 1 }, `e${a}_`);
      countedLoop(ctx, count, `axis${a}`, () => {
        if (innermost) asm.get(output).get(input).f32Load(0).f32Store(0);
        else {
          asm.get(input).set(childIn).get(output).set(childOut);
          level(a + 1, childIn, childOut);
        }
        advanceBy(asm, input, steps[a] ?? 0);
        advanceBy(asm, output, outSteps[a] ?? 4);
      });
      return;
    }
    const entry = asm.local('i32', `t${a}_`);
    const index = asm.local('i32', `i${a}_`);
    const count = asm.local('i32', `e${a}_`);
    asm.i32Const(walk.table.address).set(entry).i32Const(walk.count).set(count);
    countedLoop(ctx, count, `axis${a}`, () => {
      asm.get(entry).i32Load(0).set(index);
      asm.get(index).i32Const(0).i32('i32.lt_s').if();
      if (innermost) asm.get(output).f32Const(fillValue).f32Store(0);
      else fill(output, outSteps[a] ?? 4);
      asm.else();
      asm.get(input).get(index);
      pushStep(asm, steps[a] ?? 0);
      asm.i32('i32.mul').i32('i32.add').set(childIn);
      if (innermost) asm.get(output).get(childIn).f32Load(0).f32Store(0);
      else {
        asm.get(output).set(childOut);
        level(a + 1, childIn, childOut);
      }
      asm.end();
      advanceBy(asm, output, outSteps[a] ?? 4);
      advance(asm, entry, 4);
    });
  };
  level(0, addressLocal(ctx, plan.buffer, 'src'), out);
}
