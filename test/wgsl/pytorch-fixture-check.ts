// One PyTorch export through the WGSL bundle at -O2: every shader validates, and on this
// machine's WebGPU adapter each output matches PyTorch's recorded one within `bar`
// (max |WGSL − PyTorch| / max |PyTorch|, or the caller's measure). Shared by the CNN and
// sequence fixture tests; the sequence fixtures give every recorded input (masks too).

import { expect } from 'vitest';
import { importOnnx } from '../../src/frontends/onnx/import.ts';
import type { FeedArray } from '../../ir/feeds.ts';
import type { Graph } from '../../ir/graph.ts';
import { relativeError, type PytorchIo } from '../support/pytorch-cnn-fixtures.ts';
import { gpuDevice } from '../support/webgpu.ts';
import { checkShaders, loadWgsl, prepared } from './run-wgsl.ts';

export interface WgslCheckOptions {
  /** The feeds (default: the one recorded input as f32). */
  readonly feeds?: Record<string, FeedArray>;
  /** The graph to compile from the imported one (default: as imported). */
  readonly prepare?: (graph: Graph) => Graph;
  /** The measure compared with `bar` (default: relativeError). */
  readonly measure?: (want: readonly number[], got: Float32Array) => number;
}

export async function expectWgslMatchesPytorch(name: string, bytes: Uint8Array, io: PytorchIo, bar: number, options: WgslCheckOptions = {}): Promise<void> {
  const imported = importOnnx(bytes, { file: `${name}.onnx` });
  const graph = options.prepare === undefined ? imported : options.prepare(imported);
  const target = prepared(graph, 'O2');
  await checkShaders((await gpuDevice()).device, target.graph, target.plan);
  const session = await loadWgsl(target.graph, target.plan, io.input.shape[0] ?? 1);
  try {
    const results = await session.run(options.feeds ?? { [io.input.name]: Float32Array.from(io.input.data) });
    for (const output of io.outputs) {
      const got = results[output.name] ?? new Float32Array();
      expect(got.length, `${name}: ${output.name}`).toBe(output.data.length);
      expect((options.measure ?? relativeError)(output.data, got), `${name}: ${output.name} vs PyTorch`).toBeLessThanOrEqual(bar);
    }
  } finally {
    session.dispose();
  }
}
