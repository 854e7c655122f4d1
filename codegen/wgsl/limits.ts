// WebGPU's default limits (what any adapter grants without asking, compatibility mode
// included) and the compile-time checks against them, so that a model the GPU cannot run is a
// CompileError naming the kernel instead of a device error at run time.

import { CompileError } from '../../ir/errors.ts';
import type { Kernel } from '../kernels.ts';
import type { GpuLayout } from './layout.ts';
import type { ShaderPlan } from './shader-common.ts';

export const DEFAULT_LIMITS = {
  /** Compatibility mode's default (core allows 256). */
  maxComputeInvocationsPerWorkgroup: 128,
  maxComputeWorkgroupStorageSize: 16384,
  maxComputeWorkgroupsPerDimension: 65535,
  maxStorageBufferBindingSize: 134217728,
  /** Compatibility mode's default (core allows 8). */
  maxStorageBuffersPerShaderStage: 4,
  maxBufferSize: 268435456,
} as const;

/** Every shader binds `consts` and `data` (see layout.ts). */
export const STORAGE_BUFFERS_PER_SHADER = 2;

function check(ok: boolean, kernel: Kernel | undefined, message: string): void {
  if (ok) return;
  throw new CompileError(`WGSL target: ${message}`, kernel === undefined ? {} : { node: kernel.label, op: kernel.op });
}

export function checkShader(kernel: Kernel, plan: ShaderPlan): void {
  const limits = DEFAULT_LIMITS;
  check(plan.invocations <= limits.maxComputeInvocationsPerWorkgroup, kernel,
    `a workgroup of ${plan.invocations} invocations exceeds maxComputeInvocationsPerWorkgroup ${limits.maxComputeInvocationsPerWorkgroup}`);
  check(plan.workgroupBytes <= limits.maxComputeWorkgroupStorageSize, kernel,
    `${plan.workgroupBytes} bytes of workgroup memory exceed maxComputeWorkgroupStorageSize ${limits.maxComputeWorkgroupStorageSize}`);
  check(STORAGE_BUFFERS_PER_SHADER <= limits.maxStorageBuffersPerShaderStage, kernel, 'too many storage buffers per stage');
  for (const axis of plan.dispatch) {
    // Batched axes are capped at run time and the kernel loops; a static axis must fit as is.
    if (axis.items.perSample !== 0) continue;
    const groups = Math.ceil(axis.items.fixed / axis.per);
    check(groups <= limits.maxComputeWorkgroupsPerDimension, kernel,
      `needs ${groups} workgroups along one axis, more than maxComputeWorkgroupsPerDimension ${limits.maxComputeWorkgroupsPerDimension}`);
  }
}

/** The largest bytes a storage buffer may have and still be bound whole. */
export function maxBindingBytes(): number {
  return Math.min(DEFAULT_LIMITS.maxStorageBufferBindingSize, DEFAULT_LIMITS.maxBufferSize);
}

/**
 * Checks the weights fit one binding and returns the largest batch whose `data` buffer does;
 * throws when not even a batch of 1 fits.
 */
export function checkLayout(layout: GpuLayout): number {
  const maxElements = Math.floor(maxBindingBytes() / 4);
  check(layout.constSize <= maxElements, undefined,
    `the weights need ${layout.constSize * 4} bytes, more than one storage binding holds (maxStorageBufferBindingSize ${maxBindingBytes()})`);
  const { perSample, fixed } = layout.dataSize;
  const one = perSample + fixed;
  check(one <= maxElements, undefined,
    `inputs, outputs and intermediates need ${one * 4} bytes at batch 1, more than one storage binding holds (${maxBindingBytes()})`);
  // u32 indices: keep every element index below 2^32 as well.
  return perSample === 0 ? 2 ** 31 : Math.floor((maxElements - fixed) / perSample);
}
