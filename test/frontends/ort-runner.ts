// Runs an ONNX model with onnxruntime-node (the peer fusegraph is checked against) and
// returns its outputs as Float32Arrays by name.

import * as ort from 'onnxruntime-node';
import type { Graph } from '../../ir/graph.ts';
import { bindBatch, concreteShape, type DimValues, type Feeds } from '../../ir/interpret.ts';

/** `names` maps fusegraph names to the model's ONNX names where they differ (see writeOnnxModel). */
export async function runOnnxRuntime(model: Uint8Array, graph: Graph, feeds: Feeds, names: ReadonlyMap<string, string> = new Map(), dims: DimValues = {}): Promise<Record<string, Float32Array>> {
  const onnxName = (name: string): string => names.get(name) ?? name;
  // Errors only: onnx's shape inference warns about MaxPool/AveragePool ceil_mode outputs
  // whose last window starts in the padding, which its kernels (and PyTorch) leave out.
  const session = await ort.InferenceSession.create(model, { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, logSeverityLevel: 3 });
  try {
    const batches = bindBatch(graph, feeds, dims);
    const inputs: Record<string, ort.Tensor> = {};
    for (const input of graph.inputs) {
      const data = feeds[input.name];
      if (data === undefined) throw new Error(`missing feed ${input.name}`);
      inputs[onnxName(input.name)] = new ort.Tensor('float32', Float32Array.from(data), concreteShape(input.type.shape, batches));
    }
    const results = await session.run(inputs);
    const out: Record<string, Float32Array> = {};
    for (const name of graph.outputs) {
      const tensor = results[onnxName(name)];
      if (tensor === undefined || !(tensor.data instanceof Float32Array)) throw new Error(`onnxruntime returned no f32 output ${name}`);
      out[name] = tensor.data;
    }
    return out;
  } finally {
    await session.release();
  }
}
