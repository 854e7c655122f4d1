// Test helper: imports a hand-built ONNX model, runs it in fusegraph's interpreter and in
// onnxruntime-node on the same random feeds, and asserts the outputs agree.

import { interpret, type Feeds } from '../../ir/interpret.ts';
import { bindShape, isSymbolic, sizeOf } from '../../ir/types.ts';
import { importOnnx } from '../../src/frontends/onnx/import.ts';
import { Random } from '../../src/random.ts';
import type { Tolerance } from '../../src/tolerance.ts';
import { expectClose } from './compare.ts';
import { onnxModel, type OnnxSpec } from './onnx-model.ts';
import { runOnnxRuntime } from './ort-runner.ts';

/** Imports `spec`, then compares interpreter and onnxruntime at the given batch size. */
export async function check(spec: OnnxSpec, batch = 3, tolerance?: Tolerance): Promise<ReturnType<typeof importOnnx>> {
  const bytes = onnxModel(spec);
  const graph = importOnnx(bytes);
  const random = new Random(5);
  const feeds: Record<string, Float32Array> = {};
  for (const input of graph.inputs) feeds[input.name] = random.uniformArray(sizeOf(bindShape(input.type.shape, batch)), -3, 3);
  // Every symbol is `batch` (several symbols cannot all be read off the lengths).
  const dims = Object.fromEntries(graph.inputs.flatMap((input) => input.type.shape.filter(isSymbolic)).map((s) => [s, batch]));
  const actual = interpret(graph, feeds as Feeds, dims);
  expectClose(graph, await runOnnxRuntime(bytes, graph, feeds as Feeds, new Map(), dims), actual, 'onnxruntime vs interpreter', tolerance);
  return graph;
}
