// The .d.ts of a WGSL bundle: the shared declarations (codegen/bundle-dts.ts), with a `load`
// that takes a GPU device and the largest batch to prepare for, GPUBuffer feeds and results
// (run with keepOnGpu), runBatch, and which optional device features the kernels use.

import { emitBundleDts } from '../bundle-dts.ts';
import type { LoweredProgram } from '../affine-kernels.ts';

const GPU_DECLARATIONS = [
  '/** WebGPU\'s GPUBuffer where its types are loaded (@webgpu/types), else the members the session uses. */',
  'export type GpuBuffer = typeof globalThis extends { GPUBuffer: { prototype: infer B } } ? B',
  '  : { readonly size: number; readonly usage: number; mapAsync(mode: number, offset?: number, size?: number): Promise<unknown>; destroy(): void };',
  '/**',
  ' * Feeds where any input may instead be a GPUBuffer on the session\'s device holding its elements as',
  ' * f32 values (i32 and bool inputs too, as a keepOnGpu result holds them), with COPY_SRC usage and at',
  ' * least the elements the batch needs. The session copies it on the GPU; it never reads it on the host',
  ' * (ids fed this way skip the host\'s range check).',
  ' */',
  'export type GpuFeeds = { readonly [I in keyof Feeds]: Feeds[I] | GpuBuffer };',
  '/** Every output as a fresh GPUBuffer of exactly its f32 elements (STORAGE | COPY_SRC | COPY_DST); the caller destroys it. */',
  'export type GpuResults = { [O in keyof Results]: GpuBuffer };',
  'export interface RunOptions {',
  '  /** Resolve to GPUBuffers (no read-back) as soon as the work is submitted. */',
  '  readonly keepOnGpu?: boolean;',
  '  /** The batch, where only GPUBuffers are fed and their sizes are not exact. */',
  '  readonly batch?: number;',
  '}',
  '/** Which kernel variants load() picked for this device. */',
  'export interface KernelFeatures {',
  '  /** Row reductions (softmax, wide reduce) use subgroup operations. */',
  '  readonly subgroups: boolean;',
  '  /** The inner products use f16 arithmetic (bundles compiled with wgslF16 on a device with shader-f16). */',
  '  readonly f16: boolean;',
  '  /** Why f16 kernels are not used although the bundle has them; null otherwise. */',
  '  readonly f16Fallback: string | null;',
  '}',
];

/**
 * `dims`: a bundle with run-time sizes (several symbols): run(feeds, dims?) with typed arrays,
 * load({ maxSizes }); the GPU-resident members (keepOnGpu, runBatch) are the batch path's.
 */
export function emitWgslDts(program: LoweredProgram, dims = false): string {
  if (dims) {
    return emitBundleDts(program, {
      target: 'WGSL',
      pushResult: 'Promise<Results>',
      dims,
      loadOptions: [
        '/** A WebGPU GPUDevice; when absent one is requested from navigator.gpu (and destroyed by dispose). */',
        'readonly device?: object;',
        '/** Bounds per symbol (`{ N: 8, S: 128 }`); buffers are sized for them once. Without it they grow on demand. */',
        'readonly maxSizes?: Dims;',
      ],
    });
  }
  return emitBundleDts(program, {
    target: 'WGSL',
    pushResult: 'Promise<Results>',
    declarations: GPU_DECLARATIONS,
    loadOptions: [
      '/** A WebGPU GPUDevice; when absent one is requested from navigator.gpu (and destroyed by dispose). */',
      'readonly device?: object;',
      '/** The largest batch run() will accept; buffers are sized for it once (default 1024, capped by the limits). */',
      'readonly maxBatch?: number;',
    ],
    run: [
      '/**',
      ' * The batch is inferred from the feeds (typed arrays, else options.batch, else a GPUBuffer\'s exact size).',
      ' * With { keepOnGpu: true } it resolves to GPUBuffers the caller owns, without a read-back.',
      ' */',
      'run<O extends RunOptions = {}>(feeds: GpuFeeds, options?: O): Promise<O extends { readonly keepOnGpu: true } ? GpuResults : Results>;',
    ],
    sessionMembers: [
      '/** Several runs (each its own batch) encoded into one submission; one result per feeds object, in order. */',
      'runBatch<O extends { readonly keepOnGpu?: boolean } = {}>(feedsList: readonly GpuFeeds[], options?: O): Promise<(O extends { readonly keepOnGpu: true } ? GpuResults : Results)[]>;',
      '/** The optional device features the kernels use on this device. */',
      'readonly features: KernelFeatures;',
    ],
  });
}
