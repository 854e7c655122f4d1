// The lookup kernel (gather by run-time ids) in wasm. Each id is checked before any read:
// NaN, a fraction or a value outside [-size, size) stores an error record (flag, position,
// id) in the kernel's static table and traps; the JS wrapper catches the trap, reads the
// record and throws the same message as the JS bundle (lookupError in js/runtime.ts).
// Threads split the ids (each copies its ids' rows); a trap on any thread ends a threaded run,
// and the wrapper reads the record all the same (thread-pool-runtime.ts).

import type { LookupKernel } from '../affine-kernels.ts';
import { addressLocal, countedLoop, extentLocal, type KernelContext } from './kernel-context.ts';
import { TableWriter, type StaticData, type StaticTable } from './static-data.ts';
import { emitShare } from './threads.ts';

/** Each lookup kernel's error record: i32 flag (1 = failed), i32 position k, f32 id. */
const RECORDS = new WeakMap<LookupKernel, StaticTable>();

export function lookupRecord(kernel: LookupKernel): StaticTable | undefined {
  return RECORDS.get(kernel);
}

export function prepareLookupKernel(kernel: LookupKernel, statics: StaticData): (ctx: KernelContext) => void {
  const record = statics.table(new TableWriter().i32(0).i32(0).i32(0));
  RECORDS.set(kernel, record);
  return (ctx) => emitLookup(ctx, kernel, record);
}

function emitLookup(ctx: KernelContext, kernel: LookupKernel, record: StaticTable): void {
  const { asm } = ctx;
  const ids = addressLocal(ctx, kernel.ids, 'ids');
  const data = addressLocal(ctx, kernel.data, 'data');
  const out = addressLocal(ctx, kernel.out, 'out');
  const count = extentLocal(ctx, kernel.count, 'count');
  const outer = extentLocal(ctx, kernel.outer, 'outer');
  const k = asm.local('i32', 'k');
  const id = asm.local('f32', 'id');
  const row = asm.local('i32', 'row');
  const from = asm.local('i32', 'from');
  const to = asm.local('i32', 'to');
  const inner = asm.local('i32', 'inner');
  const rowBytes = kernel.inner * 4;
  // This thread's ids: [start, end) of count.
  const share = emitShare(ctx, count, 1, 'ids');
  const mine = asm.local('i32', 'mine');
  asm.get(share.end).get(share.start).i32('i32.sub').set(mine);
  asm.get(share.start).set(k);
  countedLoop(ctx, mine, 'ids', () => {
    asm.get(ids).get(k).i32Const(4).i32('i32.mul').i32('i32.add').f32Load(0).set(id);
    // valid = -size <= id && id < size && trunc(id) == id (all false for NaN).
    asm.get(id).f32Const(-kernel.size).f32('f32.ge');
    asm.get(id).f32Const(kernel.size).f32('f32.lt').i32('i32.and');
    asm.get(id).get(id).f32('f32.trunc').f32('f32.eq').i32('i32.and');
    asm.i32Eqz().if();
    asm.i32Const(record.address).i32Const(1).i32Store(0);
    asm.i32Const(record.address).get(k).i32Store(4);
    asm.i32Const(record.address).get(id).f32Store(8);
    asm.unreachable();
    asm.end();
    // row = id < 0 ? id + size : id, as an i32.
    asm.get(id).f32('i32.trunc_f32_s').set(row);
    asm.get(row).i32Const(0).i32('i32.lt_s').if().get(row).i32Const(kernel.size).i32('i32.add').set(row).end();
    // from = data + row * inner * 4; to = out + k * inner * 4; each outer step adds size rows / count rows.
    asm.get(data).get(row).i32Const(rowBytes).i32('i32.mul').i32('i32.add').set(from);
    asm.get(out).get(k).i32Const(rowBytes).i32('i32.mul').i32('i32.add').set(to);
    countedLoop(ctx, outer, 'outer', () => {
      asm.i32Const(0).set(inner);
      const length = asm.local('i32', 'len');
      asm.i32Const(kernel.inner).set(length);
      countedLoop(ctx, length, 'copy', () => {
        asm.get(to).get(inner).i32('i32.add').get(from).get(inner).i32('i32.add').f32Load(0).f32Store(0);
        asm.get(inner).i32Const(4).i32('i32.add').set(inner);
      });
      asm.get(from).i32Const(kernel.size * rowBytes).i32('i32.add').set(from);
      asm.get(to).get(count).i32Const(rowBytes).i32('i32.mul').i32('i32.add').set(to);
    });
    asm.get(k).i32Const(1).i32('i32.add').set(k);
  });
}
