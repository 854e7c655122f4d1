// Test helper: compiles a graph to a WGSL bundle, checks every shader with
// getCompilationInfo() on the test device, imports the bundle as a real ES module, runs it on
// that device and compares each output with the reference interpreter (or its f32-step reading).

import { wgslProgram } from '../../codegen/wgsl/target.ts';
import { emitWgsl } from '../../codegen/wgsl/target.ts';
import type { Graph } from '../../ir/graph.ts';
import { bindBatch, interpret, type Feeds, type TypedFeeds } from '../../ir/interpret.ts';
import type { MemoryPlan } from '../../ir/memory-plan.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { compareArrays, toleranceForF32Sums, type Tolerance } from '../../src/tolerance.ts';
import { naivePlan } from '../codegen/naive-plan.ts';
import { importBundle } from '../codegen/js/load-bundle.ts';
import { compilationMessages, gpuDevice } from '../support/webgpu.ts';

export interface WgslSession {
  run(feeds: TypedFeeds): Promise<Record<string, Float32Array>>;
  dispose(): void;
}

interface WgslModule {
  load(options: { device: GPUDevice; maxBatch?: number }): Promise<WgslSession>;
}

export type Variant = 'unoptimized' | 'O2';

/** The graph the bundle implements and its memory plan. */
export function prepared(graph: Graph, variant: Variant): { graph: Graph; plan: MemoryPlan } {
  if (variant === 'unoptimized') return { graph, plan: naivePlan(graph) };
  const optimized = optimize(graph, { level: 'O2' });
  return { graph: optimized.graph, plan: optimized.plan };
}

/** Compiles every shader of the bundle on `device`; throws listing any error or warning. */
export async function checkShaders(device: GPUDevice, graph: Graph, plan: MemoryPlan): Promise<void> {
  const { shaders } = wgslProgram(graph, plan);
  for (const [index, shader] of shaders.entries()) {
    const messages = await compilationMessages(device, shader.code);
    if (messages.length > 0) throw new Error(`shader ${index} does not compile cleanly:\n${messages.join('\n')}\n${shader.code}`);
  }
}

/** Loads the bundle on the test device (or on `device`, e.g. one whose limits a test narrows). */
export async function loadWgsl(graph: Graph, plan: MemoryPlan, maxBatch: number, device?: GPUDevice): Promise<WgslSession> {
  device ??= (await gpuDevice()).device;
  const module = (await importBundle(emitWgsl(graph, plan))) as unknown as WgslModule;
  return module.load({ device, maxBatch });
}

/** Runs the WGSL bundle and the interpreter; throws on the first output that differs. */
export async function agreesWithInterpreter(graph: Graph, feeds: Feeds, variant: Variant, tolerance?: Tolerance): Promise<void> {
  await agreesOnEach(graph, [feeds], variant, tolerance);
}

/**
 * agreesWithInterpreter on several feeds (batch sizes) with one loaded bundle: pipelines are
 * compiled once, which is most of the time on a software adapter.
 */
export async function agreesOnEach(graph: Graph, feedsList: readonly Feeds[], variant: Variant, tolerance?: Tolerance): Promise<void> {
  const { device } = await gpuDevice();
  const target = prepared(graph, variant);
  await checkShaders(device, target.graph, target.plan);
  const batches = feedsList.map((feeds) => Math.max(1, ...bindBatch(graph, feeds).values()));
  const session = await loadWgsl(target.graph, target.plan, Math.max(...batches));
  try {
    for (const [index, feeds] of feedsList.entries()) {
      // The interpreter evaluates bodies in f32 steps, as WGSL does (ir/scalar.ts).
      const expected = interpret(graph, feeds);
      const actual = await session.run(feeds);
      // WGSL sums contractions in f32: see toleranceForF32Sums for why the floor depends on the feeds.
      const bound = tolerance ?? toleranceForF32Sums(graph, feeds);
      for (const name of graph.outputs) {
        const result = actual[name] ?? new Float32Array();
        const comparison = compareArrays(expected[name] ?? new Float32Array(), result, bound);
        if (comparison.ok) continue;
        throw new Error(`${variant}, batch ${batches[index]}: output ${JSON.stringify(name)} differs: ${JSON.stringify(comparison.mismatch)}`);
      }
    }
  } finally {
    session.dispose();
  }
}
