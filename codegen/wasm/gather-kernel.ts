// Gathers (concat, slice, pad, nearest resize), dense over the output. Each source writes its
// region of the output through a loop nest: an `identity` axis steps the source pointer (the
// batch axis, and the innermost axis of most copies, where runs move four floats at a time);
// an innermost axis that reads one contiguous run between fills (a slice with step 1,
// constant padding, a concat along the last axis) copies the run the same way; every other
// axis reads a table fixed at compile time of byte offsets into the source, one per output
// index, -1 where the output is padding. A padded index on an outer axis fills its whole block
// with the fill value; the kernel only moves f32 bits.

import type { AxisMap, GatherKernel, GatherSource } from '../affine-kernels.ts';
import type { Local } from './function-assembler.ts';
import { addressLocal, advance, countedLoop, extentLocal, pushAffine, type KernelContext } from './kernel-context.ts';
import { addressOf } from './memory-layout.ts';
import { StaticData, TableWriter, type StaticTable } from './static-data.ts';

/** The source index an output index maps to, or -1 for the fill value. */
export function sourceIndex(map: AxisMap, i: number): number {
  switch (map.kind) {
    case 'identity': return i;
    case 'table': return map.indices[i] ?? -1;
    case 'affine': {
      const index = i * map.scale + map.offset;
      return index >= 0 && index < map.size ? index : -1;
    }
  }
}

/** How a source's loop nest walks one output axis. */
type AxisWalk =
  | { readonly kind: 'step'; readonly bytes: number }
  | { readonly kind: 'table'; readonly table: StaticTable; readonly count: number }
  /** Innermost and contiguous: `before` fills, `count` consecutive source floats from byte `start`, `after` fills. */
  | { readonly kind: 'run'; readonly before: number; readonly start: number; readonly count: number; readonly after: number };

/** The indices as fills, one run of consecutive indices, fills; or undefined. */
function asRun(indices: readonly number[]): { before: number; first: number; count: number; after: number } | undefined {
  const before = indices.findIndex((i) => i >= 0);
  if (before < 0) return undefined;
  const first = indices[before] ?? 0;
  let count = 0;
  while (indices[before + count] === first + count) count++;
  const after = indices.length - before - count;
  return indices.slice(before + count).every((i) => i < 0) ? { before, first, count, after } : undefined;
}

interface SourcePlan {
  readonly source: GatherSource;
  readonly walks: readonly AxisWalk[];
  /** The first output index along the region axis. */
  readonly begin: number;
}

function planSource(kernel: GatherKernel, source: GatherSource, statics: StaticData): SourcePlan {
  const begin = source.region?.begin ?? 0;
  const walks = source.maps.map((map, axis): AxisWalk => {
    const stride = source.strides[axis] ?? 0;
    const region = axis === kernel.regionAxis && source.region !== undefined;
    if (map.kind === 'identity' && !region) return { kind: 'step', bytes: stride * 4 };
    const first = region ? begin : 0;
    const end = region ? (source.region?.end ?? 0) : (kernel.extents[axis]?.fixed ?? 0);
    const indices = Array.from({ length: end - first }, (_, k) => sourceIndex(map, first + k));
    const run = axis === kernel.extents.length - 1 && stride === 1 ? asRun(indices) : undefined;
    if (run !== undefined) return { kind: 'run', before: run.before, start: run.first * 4, count: run.count, after: run.after };
    const table = new TableWriter();
    for (const index of indices) table.i32(index < 0 ? -1 : index * stride * 4);
    return { kind: 'table', table: statics.table(table), count: indices.length };
  });
  return { source, walks, begin };
}

export function prepareGatherKernel(kernel: GatherKernel, statics: StaticData): (ctx: KernelContext) => void {
  if (kernel.extents.length === 0) throw new Error('internal: a gather needs at least one axis');
  const plans = kernel.sources.map((source) => planSource(kernel, source, statics));
  return (ctx) => { for (const plan of plans) emitSource(ctx, kernel, plan); };
}

function emitSource(ctx: KernelContext, kernel: GatherKernel, plan: SourcePlan): void {
  const { asm } = ctx;
  const rank = kernel.extents.length;
  const outStrides = kernel.extents.map((_, a) => kernel.extents.slice(a + 1).reduce((n, e) => n * e.fixed, 1));
  const out = asm.local('i32', 'out');
  pushAffine(ctx, addressOf(ctx.layout, kernel.out));
  asm.i32Const(plan.begin * (outStrides[kernel.regionAxis] ?? 0) * 4).i32('i32.add').set(out);

  /** Stores the fill value over `count` floats from `pointer` on. */
  const fill = (pointer: Local, count: number): void => {
    const p = asm.local('i32', 'fill');
    asm.get(pointer).set(p);
    const vectors = Math.floor(count / 4);
    const runs = asm.local('i32', 'fillv');
    asm.i32Const(vectors).set(runs);
    countedLoop(ctx, runs, 'fillv', () => { asm.get(p).f32x4Const(kernel.fill).v128Store(0); advance(asm, p, 16); });
    for (let i = 0; i < count % 4; i++) asm.get(p).f32Const(kernel.fill).f32Store(i * 4);
  };

  /** The innermost identity axis: a run of `count` elements `bytes` apart in the source. */
  const copyRun = (input: Local, output: Local, count: Local, bytes: number): void => {
    const rest = asm.local('i32', 'rest');
    if (bytes === 4) {
      const vectors = asm.local('i32', 'vecs');
      asm.get(count).i32Const(2).i32('i32.shr_u').set(vectors);
      asm.get(count).i32Const(3).i32('i32.and').set(rest);
      countedLoop(ctx, vectors, 'copy4', () => {
        asm.get(output).get(input).v128Load(0).v128Store(0);
        advance(asm, input, 16);
        advance(asm, output, 16);
      });
    } else {
      asm.get(count).set(rest);
    }
    countedLoop(ctx, rest, 'copy1', () => {
      asm.get(output).get(input).f32Load(0).f32Store(0);
      advance(asm, input, bytes);
      advance(asm, output, 4);
    });
  };

  const level = (a: number, input: Local, output: Local): void => {
    const walk = plan.walks[a];
    if (walk === undefined) throw new Error(`internal: gather axis ${a} has no walk`);
    const innermost = a === rank - 1;
    if (walk.kind === 'step') {
      const count = extentLocal(ctx, kernel.extents[a] ?? { perSample: 0, fixed: 1 }, `e${a}_`);
      if (innermost) {
        copyRun(input, output, count, walk.bytes);
        return;
      }
      const childIn = asm.local('i32', `in${a}_`);
      const childOut = asm.local('i32', `out${a}_`);
      countedLoop(ctx, count, `axis${a}`, () => {
        asm.get(input).set(childIn).get(output).set(childOut);
        level(a + 1, childIn, childOut);
        advance(asm, input, walk.bytes);
        advance(asm, output, (outStrides[a] ?? 1) * 4);
      });
      return;
    }
    if (walk.kind === 'run') {
      if (walk.before > 0) {
        fill(output, walk.before);
        advance(asm, output, walk.before * 4);
      }
      const source = asm.local('i32', 'run');
      const count = asm.local('i32', 'runs');
      asm.get(input).i32Const(walk.start).i32('i32.add').set(source).i32Const(walk.count).set(count);
      copyRun(source, output, count, 4);
      if (walk.after > 0) fill(output, walk.after);
      return;
    }
    const entry = asm.local('i32', `t${a}_`);
    const offset = asm.local('i32', `off${a}_`);
    const count = asm.local('i32', `e${a}_`);
    asm.i32Const(walk.table.address).set(entry).i32Const(walk.count).set(count);
    const childIn = asm.local('i32', `in${a}_`);
    const childOut = asm.local('i32', `out${a}_`);
    countedLoop(ctx, count, `axis${a}`, () => {
      asm.get(entry).i32Load(0).set(offset);
      if (innermost) {
        // Padding reads the run's first element (always in bounds) and stores the fill instead.
        asm.get(output);
        asm.get(input).get(offset).i32('i32.add').get(input).get(offset).i32Const(0).i32('i32.ge_s').select().f32Load(0);
        asm.f32Const(kernel.fill).get(offset).i32Const(0).i32('i32.ge_s').select();
        asm.f32Store(0);
      } else {
        asm.get(output).set(childOut);
        asm.get(offset).i32Const(0).i32('i32.lt_s').if();
        fill(childOut, outStrides[a] ?? 1);
        asm.else();
        asm.get(input).get(offset).i32('i32.add').set(childIn);
        level(a + 1, childIn, childOut);
        asm.end();
      }
      advance(asm, output, (outStrides[a] ?? 1) * 4);
      advance(asm, entry, 4);
    });
  };
  level(0, addressLocal(ctx, plan.source.buffer, 'src'), out);
}
