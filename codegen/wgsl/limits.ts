// WebGPU's default limits (what any adapter grants without asking, compatibility mode
// included) and the compile-time checks against them, so that a model the GPU cannot run is a
// CompileError naming the kernel instead of a device error at run time.

import { CompileError } from '../../ir/errors.ts';
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

/** The limits a program is checked against (tests shrink them to exercise splitting). */
export type WgslLimits = { readonly [K in keyof typeof DEFAULT_LIMITS]: number };

/** Every shader binds `consts` and `data` (see layout.ts). */
export const STORAGE_BUFFERS_PER_SHADER = 2;

function check(ok: boolean, kernel: { readonly label: string; readonly op: string } | undefined, message: string): void {
  if (ok) return;
  throw new CompileError(`WGSL target: ${message}`, kernel === undefined ? {} : { node: kernel.label, op: kernel.op });
}

export function checkShader(kernel: { readonly label: string; readonly op: string }, plan: ShaderPlan, limits: WgslLimits): void {
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

/**
 * Returns the largest batch whose `data` buffer fits one binding; throws when not even a batch
 * of 1 fits. (Weights are split into chunks and windows by the layout instead.)
 */
export function checkLayout(layout: GpuLayout, limits: WgslLimits): number {
  const maxBytes = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const maxElements = Math.floor(maxBytes / 4);
  const { perSample, fixed } = layout.dataSize;
  const one = perSample + fixed;
  check(one <= maxElements, undefined,
    `inputs, outputs and intermediates need ${one * 4} bytes at batch 1, more than one storage binding holds (maxStorageBufferBindingSize ${maxBytes})`);
  // u32 indices: keep every element index below 2^32 as well.
  return perSample === 0 ? 2 ** 31 : Math.floor((maxElements - fixed) / perSample);
}
