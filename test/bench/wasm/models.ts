// The wasm benchmark's view of the shared benchmark models (test/bench/models.ts: the seed
// MLP and the deep MLP, the same weights and inputs as the JS bench), plus the dense-layer
// list that runners without an ONNX importer (tfjs) build the model from.

import type { Graph } from '../../../ir/graph.ts';
import { activationAttr, linearLayout, tensorAttr } from '../../../ir/ops/index.ts';
import { BATCHES as SHARED_BATCHES, BENCH_MODELS, benchInput as sharedInput, flopsPerSample as sharedFlops } from '../models.ts';

export type ModelName = 'seed' | 'deep';
export const MODEL_NAMES: readonly ModelName[] = ['seed', 'deep'];
export const BATCHES: readonly number[] = SHARED_BATCHES;

function model(name: ModelName): (typeof BENCH_MODELS)[number] {
  const found = BENCH_MODELS.find((m) => m.name === `${name}_mlp`);
  if (found === undefined) throw new Error(`bench: no shared model ${name}_mlp`);
  return found;
}

export function benchGraph(name: ModelName): Graph {
  return model(name).graph;
}

export function benchInput(batch: number): Float32Array {
  return sharedInput(batch);
}

/** Multiply-adds × 2 per sample: the FLOP count GFLOP/s figures use. */
export function flopsPerSample(name: ModelName): number {
  return sharedFlops(model(name));
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
