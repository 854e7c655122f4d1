// Runs an ONNX model with onnxruntime-node (the peer fusegraph is checked against) and
// returns its outputs as Float32Arrays by name. i32 inputs go in as int64, bool as bool;
// int64 and bool outputs come back as exact values in Float32Arrays, as fusegraph returns them.

import * as ort from 'onnxruntime-node';
import type { Graph } from '../../ir/graph.ts';
import type { FeedArray } from '../../ir/feeds.ts';
import { bindBatch, concreteShape, type DimValues, type TypedFeeds } from '../../ir/interpret.ts';
import type { DType } from '../../ir/types.ts';

function ortTensor(dtype: DType, data: FeedArray, dims: readonly number[]): ort.Tensor {
  if (dtype === 'i32') return new ort.Tensor('int64', BigInt64Array.from(Array.from(data as ArrayLike<number | bigint>, (v) => BigInt(v))), dims);
  if (dtype === 'bool') return new ort.Tensor('bool', Uint8Array.from(data as ArrayLike<number>), dims);
  return new ort.Tensor('float32', Float32Array.from(data as ArrayLike<number>), dims);
}

/** `names` maps fusegraph names to the model's ONNX names where they differ (see writeOnnxModel). */
export async function runOnnxRuntime(model: Uint8Array, graph: Graph, feeds: TypedFeeds, names: ReadonlyMap<string, string> = new Map(), dims: DimValues = {}): Promise<Record<string, Float32Array>> {
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
      inputs[onnxName(input.name)] = ortTensor(input.type.dtype, data, concreteShape(input.type.shape, batches));
    }
    const results = await session.run(inputs);
    const out: Record<string, Float32Array> = {};
    for (const name of graph.outputs) {
      const tensor = results[onnxName(name)];
      if (tensor === undefined) throw new Error(`onnxruntime returned no output ${name}`);
      const data = tensor.data;
      if (data instanceof Float32Array) out[name] = data;
      else if (data instanceof BigInt64Array || data instanceof Uint8Array || data instanceof Int32Array) out[name] = Float32Array.from(Array.from(data as ArrayLike<number | bigint>, Number));
      else throw new Error(`onnxruntime returned output ${name} of type ${tensor.type}`);
    }
    return out;
  } finally {
    await session.release();
  }
}
