// The benchmark's models and inputs: the seed MLP (784→128→ReLU→10) and a deep MLP
// (784→512→512→512→10, ReLU), seeded so every runner sees the same weights and inputs.

import type { Graph } from '../../ir/graph.ts';
import { tensorAttr } from '../../ir/ops/index.ts';
import { linear, relu, sequential, toGraph } from '../../src/nn.ts';
import { Random } from '../../src/random.ts';
import seedMlp from '../../examples/seed-mlp.ts';

export interface BenchModel {
  readonly name: string;
  readonly graph: Graph;
  /** [in, out] of each linear layer, in order; every layer but the last is followed by ReLU. */
  readonly layers: readonly (readonly [number, number])[];
}

function deepMlp(): Graph {
  return toGraph(sequential(linear(784, 512), relu(), linear(512, 512), relu(), linear(512, 512), relu(), linear(512, 10)), {
    name: 'deep_mlp', inputShape: ['N', 784], outputName: 'logits', seed: 2,
  });
}

export const BENCH_MODELS: readonly BenchModel[] = [
  { name: 'seed_mlp', graph: seedMlp, layers: [[784, 128], [128, 10]] },
  { name: 'deep_mlp', graph: deepMlp(), layers: [[784, 512], [512, 512], [512, 512], [512, 10]] },
];

export const BATCHES = [1, 32, 256] as const;

/** Multiply-adds ×2 per sample. */
export function flopsPerSample(model: BenchModel): number {
  return model.layers.reduce((sum, [inputs, outputs]) => sum + 2 * inputs * outputs, 0);
}

/** The linear layers' weights [out, in] and biases [out], in order (for runners without ONNX). */
export function layerTensors(graph: Graph): { weight: Float32Array; bias: Float32Array }[] {
  const consts = new Map(graph.nodes.filter((n) => n.op === 'const').map((n) => [n.name, tensorAttr(n.attrs, 'value').data]));
  return graph.nodes.filter((n) => n.op === 'linear').map((n) => {
    const weight = consts.get(n.inputs[1] ?? '');
    const bias = consts.get(n.inputs[2] ?? '');
    if (weight === undefined || bias === undefined) throw new Error(`bench: layer ${n.name} lacks constant weights`);
    return { weight, bias };
  });
}

export function benchInput(batch: number): Float32Array {
  return new Random(1000 + batch).uniformArray(batch * 784, 0, 1);
}
