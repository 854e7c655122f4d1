// The wasm target: lowers an optimized graph with its memory plan (the same kernels as the
// JS and WGSL targets), assembles the module(s) and writes the bundle, its .d.ts, the
// external weights if asked, and the module listing with `emitWat`.

import type { Graph } from '../../ir/graph.ts';
import type { MemoryPlan } from '../../ir/memory-plan.ts';
import { isRuntimeProgram, toRuntimeProgram } from '../runtime-program.ts';
import { lowerGraph } from '../lower.ts';
import { bundleFileStem, bundleFiles, type EmittedBundle, type EmitOptions } from '../target.ts';
import { storeWeights } from '../weight-storage.ts';
import { emitWasmBundle } from './emit-bundle.ts';
import { emitWasmDts } from './emit-dts.ts';
import { emitWasmProgram, GENERAL_KINDS } from './program.ts';
import { PARALLEL_MIN_FLOPS } from './threads.ts';

export interface WasmEmitOptions extends EmitOptions {
  /** Also embed a relaxed-SIMD module (f32x4.relaxed_madd), chosen at load where it validates. */
  readonly relaxed?: boolean;
  /** Also write the module listing(s) as .wat text. */
  readonly emitWat?: boolean;
  /** false: no thread pool, scheduler or `work` export (a smaller bundle that runs on one thread). */
  readonly threads?: boolean;
  /**
   * Flops per call from which a kernel that can split runs on all threads (default
   * PARALLEL_MIN_FLOPS, measured; tests set 0 to split every kernel that can).
   */
  readonly splitMinFlops?: number;
}

export function emitWasm(graph: Graph, plan: MemoryPlan, options: WasmEmitOptions = {}): EmittedBundle {
  const stem = bundleFileStem(graph.name, options.stem);
  const weights = options.weights ?? 'embed';
  const weightsFile = `${stem}.weights.bin`;
  // Sizes affine in one monomial: the batch fast path (threads split it); else run-time sizes (several symbols, one thread).
  const projected = toRuntimeProgram(lowerGraph(graph, plan), 'wasm', GENERAL_KINDS);
  const program = projected.affine;
  const runtime = isRuntimeProgram(projected) ? projected : undefined;
  const splitMinFlops = options.splitMinFlops ?? PARALLEL_MIN_FLOPS;
  const wasm = emitWasmProgram(program, { relaxed: options.relaxed === true, threads: options.threads !== false, splitMinFlops, ...(runtime === undefined ? {} : { runtime }) });
  const dtype = options.weightsDtype ?? 'f32';
  const module = emitWasmBundle(graph, program, wasm, { weights, weightsFile, dtype, threads: options.threads !== false, ...(runtime === undefined ? {} : { runtime }) });
  const stored = storeWeights(wasm.layout.image, dtype);
  const external = weights === 'external' ? { name: weightsFile, contents: stored } : undefined;
  const files = bundleFiles(stem, module, emitWasmDts(program, runtime !== undefined), external);
  if (options.emitWat === true) {
    files.push({ name: `${stem}.wat`, contents: wasm.simd.listing() });
    if (wasm.relaxed !== undefined) files.push({ name: `${stem}.relaxed.wat`, contents: wasm.relaxed.listing() });
  }
  return { entry: `${stem}.mjs`, files, weightBytes: stored.length };
}
