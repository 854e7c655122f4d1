// A WebGPU device for running WGSL bundles from the command line. Node has no navigator.gpu,
// so Dawn's `webgpu` package is used when installed: Vulkan first (a real GPU, or
// SwiftShader), then Dawn's OpenGL ES backend. No adapter is a usage problem: a CompileError.

import { existsSync } from 'node:fs';
import { CompileError } from '../../ir/errors.ts';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
// Dawn crashes if its GPU object is collected while devices live: keep it for the process.
const keepAlive: unknown[] = [];
let pending: Promise<GPUDevice> | undefined;

interface DawnModule { create(flags: string[]): GPU }

async function pick(): Promise<GPUDevice> {
  let dawn: DawnModule;
  try {
    dawn = (await import('webgpu')) as DawnModule;
  } catch {
    throw new CompileError('WebGPU is not available: install the `webgpu` npm package (Dawn) to run WGSL bundles in Node');
  }
  const failures: string[] = [];
  const icd = process.env['VK_ICD_FILENAMES'] ?? (existsSync(SWIFTSHADER_ICD) ? SWIFTSHADER_ICD : undefined);
  const candidates: [string, Record<string, string>, GPURequestAdapterOptions][] = [
    ...(icd !== undefined ? [['backend=vulkan', { VK_ICD_FILENAMES: icd }, {}] as [string, Record<string, string>, GPURequestAdapterOptions]] : []),
    ['backend=opengles', { EGL_PLATFORM: 'surfaceless' }, { featureLevel: 'compatibility' }],
  ];
  for (const [flag, env, options] of candidates) {
    try {
      Object.assign(process.env, env);
      const gpu = dawn.create([flag]);
      keepAlive.push(gpu);
      const adapter = await gpu.requestAdapter({ ...options, powerPreference: 'high-performance' });
      if (adapter !== null) {
        return await adapter.requestDevice({
          requiredLimits: { maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize, maxBufferSize: adapter.limits.maxBufferSize },
        });
      }
      failures.push(`${flag}: no adapter`);
    } catch (error) {
      failures.push(`${flag}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }
  }
  throw new CompileError(`no WebGPU adapter could be created (${failures.join('; ')})`);
}

/** One device per process, created on first use. */
export function gpuDevice(): Promise<GPUDevice> {
  pending ??= pick();
  return pending;
}
