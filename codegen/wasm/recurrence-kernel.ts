// The recurrence kernel in wasm (not yet written: refused clearly).

import { CompileError } from '../../ir/errors.ts';
import type { RecurrenceKernel } from '../kernels.ts';
import type { KernelContext } from './kernel-context.ts';
import type { StaticData } from './static-data.ts';

export function prepareRecurrenceKernel(kernel: RecurrenceKernel, _statics: StaticData): (ctx: KernelContext) => void {
  throw new CompileError('the wasm target has no recurrence kernel yet (compile recurrent layers for js)', { node: kernel.label, op: kernel.op });
}
