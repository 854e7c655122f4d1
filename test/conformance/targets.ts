// The four ways the conformance test runs an imported ONNX model: the reference interpreter on
// the imported graph, and the JS, WASM and WGSL bundles of its -O2 compilation, each imported
// as a real ES module from one temporary directory (removed by dispose()) and run in-process.
// One optimization per model, one emit per target; the WGSL bundles share one WebGPU device.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Graph } from '../../ir/graph.ts';
import { interpret, type Results, type TypedFeeds } from '../../ir/interpret.ts';
import type { MemoryPlan } from '../../ir/memory-plan.ts';
import { targetEmitter, type TargetName } from '../../src/compile.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { gpuDevice } from '../support/webgpu.ts';

export type ConformanceTarget = 'interpreter' | TargetName;

export const CONFORMANCE_TARGETS: readonly ConformanceTarget[] = ['interpreter', 'js', 'wasm', 'wgsl'];

export interface Session {
  /** `dims`: symbol values the feed lengths cannot tell apart (several symbols per input). */
  run(feeds: TypedFeeds, dims?: Readonly<Record<string, number>>): Promise<Results>;
  dispose(): void;
}

/** The session interface every bundle's load() resolves to. */
interface BundleModule {
  load(options?: object): Promise<Session>;
}

/**
 * What a target promises about NaN and ±Inf. WGSL lets implementations assume they never
 * occur (codegen/wgsl/prelude.ts): NaN or infinite inputs, and NaN from finite inputs
 * (out-of-domain builtins such as sqrt(-1)), are outside its contract; overflow to ±Inf is not.
 */
export const FINITE_ONLY: ReadonlySet<ConformanceTarget> = new Set<ConformanceTarget>(['wgsl']);

/** Compiles each model once per target; owns the directory the bundles are written to. */
export class TargetRunner {
  private dir: string | undefined;
  private count = 0;
  private readonly optimized = new WeakMap<Graph, { graph: Graph; plan: MemoryPlan }>();

  /** A session for `graph` on `target` for batches up to `maxBatch` (the caller disposes it). */
  async open(graph: Graph, target: ConformanceTarget, maxBatch: number): Promise<Session> {
    if (target === 'interpreter') return { run: (feeds, dims) => Promise.resolve(interpret(graph, feeds, dims)), dispose: () => {} };
    const module = await this.importBundle(graph, target);
    if (target === 'wgsl') {
      const { device } = await gpuDevice();
      return module.load({ device, maxBatch });
    }
    return module.load();
  }

  private async importBundle(graph: Graph, target: TargetName): Promise<BundleModule> {
    let optimized = this.optimized.get(graph);
    if (optimized === undefined) {
      const result = optimize(graph, { level: 'O2' });
      optimized = { graph: result.graph, plan: result.plan };
      this.optimized.set(graph, optimized);
    }
    const bundle = targetEmitter(target)(optimized.graph, optimized.plan, { weights: 'embed' });
    this.dir ??= mkdtempSync(join(tmpdir(), 'fusegraph-onnx-node-'));
    // A folder per bundle: bundle file names come from graph names, which tests share.
    const folder = join(this.dir, `${this.count++}-${target}`);
    mkdirSync(folder);
    for (const file of bundle.files) writeFileSync(join(folder, file.name), file.contents);
    return (await import(/* @vite-ignore */ pathToFileURL(join(folder, bundle.entry)).href)) as BundleModule;
  }

  /** Removes every bundle written. */
  dispose(): void {
    if (this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}
