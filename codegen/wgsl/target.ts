// The WGSL target: lowers an optimized graph with its memory plan, lays the tensors out in
// GPU buffers, makes one shader per kernel within WebGPU's default limits, and emits the
// module, its .d.ts and (with external weights) the weights file.

import type { Graph } from '../../ir/graph.ts';
import type { MemoryPlan } from '../../ir/memory-plan.ts';
import { isRuntimeProgram, toRuntimeProgram, type RuntimeProgram } from '../runtime-program.ts';
import { lowerGraph } from '../lower.ts';
import { bundleFileStem, bundleFiles, type EmitOptions, type EmittedBundle } from '../target.ts';
import { emitWgslBundle } from './emit-bundle.ts';
import { emitWgslDts } from './emit-dts.ts';
import type { LoweredProgram } from '../affine-kernels.ts';
import { gpuLayout, runtimeGpuLayout, type GpuLayout } from './layout.ts';
import type { ShaderPlan } from './shader-common.ts';
import { checkLayout, DEFAULT_LIMITS, type WgslLimits } from './limits.ts';
import { programShaders, WGSL_GENERAL_KINDS } from './shaders.ts';

export interface WgslProgram {
  readonly program: LoweredProgram;
  readonly layout: GpuLayout;
  /** The largest batch whose buffers fit WebGPU's default limits. */
  readonly maxBatchLimit: number;
  readonly shaders: readonly ShaderPlan[];
  /** Several symbols: sizes evaluated per call into the uniform (codegen/runtime-sizes.ts). */
  readonly runtime?: RuntimeProgram;
}

/**
 * Everything the bundle is made of, before it is written out (tests compile the shaders).
 * `limits` are WebGPU's defaults; tests pass smaller ones to exercise splitting.
 */
export function wgslProgram(graph: Graph, plan: MemoryPlan, limits: WgslLimits = DEFAULT_LIMITS): WgslProgram {
  const projected = toRuntimeProgram(lowerGraph(graph, plan), 'WGSL', WGSL_GENERAL_KINDS);
  const program = projected.affine;
  if (isRuntimeProgram(projected)) {
    // Buffers are sized per call (grown on demand), so no batch bound is fixed here.
    const layout = runtimeGpuLayout(program, projected.source, projected.sizes, limits);
    return { program, layout, maxBatchLimit: 0, shaders: programShaders(program, layout, limits, projected), runtime: projected };
  }
  const layout = gpuLayout(program, limits);
  const maxBatchLimit = checkLayout(layout, limits);
  return { program, layout, maxBatchLimit, shaders: programShaders(program, layout, limits) };
}

export interface WgslEmitOptions extends EmitOptions {
  /**
   * Also embed f16 variants of the inner products (linear, matmul, conv as GEMM): chosen at
   * load where the device has shader-f16, within the error budget of f16-products.ts.
   */
  readonly f16?: boolean;
}

export function emitWgsl(graph: Graph, plan: MemoryPlan, options: WgslEmitOptions = {}, limits: WgslLimits = DEFAULT_LIMITS): EmittedBundle {
  const stem = bundleFileStem(graph.name, options.stem);
  const weights = options.weights ?? 'embed';
  const weightsFile = `${stem}.wgsl.weights.bin`;
  const { program, layout, maxBatchLimit, shaders, runtime } = wgslProgram(graph, plan, limits);
  const bundleOptions = { weights, weightsFile, maxBatchLimit, dtype: options.weightsDtype ?? 'f32', f16: options.f16 === true, ...(runtime === undefined ? {} : { runtime }) } as const;
  const bundle = emitWgslBundle(graph, program, layout, shaders, bundleOptions);
  const external = weights === 'external' ? { name: weightsFile, contents: bundle.weights } : undefined;
  return { entry: `${stem}.mjs`, files: bundleFiles(stem, bundle.module, emitWgslDts(program, runtime !== undefined), external), weightBytes: bundle.weights.length };
}
