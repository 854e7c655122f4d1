// The recurrence kernel in WGSL (not yet written: refused clearly).

import { CompileError } from '../../ir/errors.ts';
import type { RecurrenceKernel } from '../kernels.ts';
import type { KernelLayout, ShaderPlan } from './shader-common.ts';

export function recurrenceShader(kernel: RecurrenceKernel, _layout: KernelLayout): ShaderPlan {
  throw new CompileError('the WGSL target has no recurrence kernel yet (compile recurrent layers for js or wasm)', { node: kernel.label, op: kernel.op });
}
