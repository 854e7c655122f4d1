// The benchmark models, weights and inputs, the same for every runner: the seed MLP
// (784→128→10, examples/seed-mlp.ts) and a deep MLP (784→512→512→512→10), ReLU between
// layers, weights drawn by src/random.ts from fixed seeds, inputs uniform in [0, 1).

import seedMlp from '../../../examples/seed-mlp.ts';
import type { Graph } from '../../../ir/graph.ts';
import { linear, relu, sequential, toGraph } from '../../../src/nn.ts';
import { Random } from '../../../src/random.ts';
import { activationAttr, linearLayout, tensorAttr } from '../../../ir/ops/index.ts';

export type ModelName = 'seed' | 'deep';
export const MODEL_NAMES: readonly ModelName[] = ['seed', 'deep'];
export const BATCHES: readonly number[] = [1, 32, 256];

export function benchGraph(model: ModelName): Graph {
  if (model === 'seed') return seedMlp;
  return toGraph(sequential(linear(784, 512), relu(), linear(512, 512), relu(), linear(512, 512), relu(), linear(512, 10)), {
    name: 'deep_mlp', inputShape: ['N', 784], outputName: 'logits', seed: 1,
  });
}

export function benchInput(batch: number): Float32Array {
  return new Random(7).uniformArray(batch * 784, 0, 1);
}

/** Multiply-adds × 2 per sample: the FLOP count GFLOP/s figures use. */
export function flopsPerSample(graph: Graph): number {
  return denseLayers(graph).reduce((sum, layer) => sum + 2 * layer.inFeatures * layer.outFeatures, 0);
}

export interface DenseLayer {
  /** [out, in] row-major (PyTorch layout). */
  readonly weight: Float32Array;
  readonly bias: Float32Array | undefined;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly relu: boolean;
}

/**
 * The model as a list of dense layers, for runners that build it with their own API (tfjs):
 * each linear node followed by its ReLU (a separate node, or fused after -O2).
 */
export function denseLayers(graph: Graph): DenseLayer[] {
  const consts = new Map(graph.nodes.filter((n) => n.op === 'const').map((n) => [n.name, tensorAttr(n.attrs, 'value')]));
  const layers: DenseLayer[] = [];
  for (const node of graph.nodes) {
    if (node.op === 'relu') {
      const last = layers.pop();
      if (last !== undefined) layers.push({ ...last, relu: true });
      continue;
    }
    if (node.op !== 'linear') continue;
    const weight = consts.get(node.inputs[1] ?? '');
    if (weight === undefined) throw new Error('bench: linear weight is not a constant');
    const { hasBias } = linearLayout(node.inputs.length, node.attrs);
    const bias = hasBias ? consts.get(node.inputs[2] ?? '')?.data : undefined;
    const [outFeatures = 0, inFeatures = 0] = weight.shape;
    layers.push({ weight: weight.data, bias, inFeatures, outFeatures, relu: activationAttr(node.attrs)?.op === 'relu' });
  }
  return layers;
}
