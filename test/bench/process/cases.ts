// Every model the per-process benchmarks run, MLPs and CNNs alike, under one name each: its
// graph (built once per process, seeded, so every runner sees the same weights), its input
// at a batch (seeded too), the batches it runs at and its flop count.

import { kernelFlops } from '../../../codegen/kernel-info.ts';
import { lowerGraph } from '../../../codegen/lower.ts';
import type { Graph } from '../../../ir/graph.ts';
import { optimize } from '../../../src/passes/pipeline.ts';
import { Random } from '../../../src/random.ts';
import { CNN_MODELS, CONV_LAYERS, type CnnBenchModel } from '../cnn/models.ts';
import { BATCHES as MLP_BATCHES, BENCH_MODELS, benchInput } from '../models.ts';

export interface BenchCase {
  readonly name: string;
  readonly batches: readonly number[];
  /** The graph (built on first use, then shared). */
  graph(): Graph;
  /** The input `x`'s concrete shape at `batch`. */
  inputShape(batch: number): number[];
  /** The input `x` at `batch`, row-major. */
  input(batch: number): Float32Array;
}

function memo(build: () => Graph): () => Graph {
  let graph: Graph | undefined;
  return () => (graph ??= build());
}

function mlpCase(name: string, modelName: string): BenchCase {
  const model = BENCH_MODELS.find((m) => m.name === modelName);
  if (model === undefined) throw new Error(`bench: no shared model ${modelName}`);
  return { name, batches: MLP_BATCHES, graph: () => model.graph, inputShape: (batch) => [batch, 784], input: benchInput };
}

function cnnCase(model: CnnBenchModel): BenchCase {
  const inputShape = (batch: number): number[] => model.input.map((d) => (typeof d === 'number' ? d : batch));
  return {
    name: model.name, batches: model.batches, graph: memo(() => model.build()), inputShape,
    // Pixels in [0, 1), a different stream per batch like the MLP inputs.
    input: (batch) => new Random(2000 + batch).uniformArray(inputShape(batch).reduce((n, d) => n * d, 1), 0, 1),
  };
}

export const MLP_CASES: readonly BenchCase[] = [mlpCase('seed', 'seed_mlp'), mlpCase('deep', 'deep_mlp')];
export const CNN_CASES: readonly BenchCase[] = CNN_MODELS.map(cnnCase);
export const LAYER_CASES: readonly BenchCase[] = CONV_LAYERS.map(cnnCase);
export const ALL_CASES: readonly BenchCase[] = [...MLP_CASES, ...CNN_CASES, ...LAYER_CASES];

export function caseByName(name: string): BenchCase {
  const found = ALL_CASES.find((c) => c.name === name);
  if (found === undefined) throw new Error(`bench: no model '${name}' (expected one of ${ALL_CASES.map((c) => c.name).join(', ')})`);
  return found;
}

/** The graph's single output, the value every runner returns. */
export function outputName(graph: Graph): string {
  const [name] = graph.outputs;
  if (name === undefined || graph.outputs.length !== 1) throw new Error(`bench: ${graph.name} must have exactly one output`);
  return name;
}

/**
 * Flops per sample: kernelFlops summed over the program -O2 lowers the graph to (2 per
 * multiply-add; pooling, residual adds and unfused activations add 1 per result, under 1%
 * of a CNN's count). Batch-independent for these models, so measured at batch 1.
 */
export function flopsPerSample(c: BenchCase): number {
  const { graph, plan } = optimize(c.graph(), { level: 'O2' });
  return lowerGraph(graph, plan).kernels.reduce((sum, kernel) => sum + kernelFlops(kernel, 1), 0);
}
