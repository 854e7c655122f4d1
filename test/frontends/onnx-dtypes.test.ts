// INT64 ids and BOOL masks through the ONNX front end and writer, checked against
// onnxruntime-node: a hand-built model in the shape PyTorch exports (Gather on an embedding,
// Equal/Not/And/Or/Where masks, Cast, Expand, positions from Range), and fusegraph's own
// dtype graphs written with writeOnnx.

import { describe, expect, it } from 'vitest';
import { interpret, type TypedFeeds } from '../../ir/interpret.ts';
import type { Graph } from '../../ir/graph.ts';
import { importOnnx } from '../../src/frontends/onnx/import.ts';
import { DataType } from '../../src/frontends/onnx/proto.ts';
import { writeOnnx } from '../../src/frontends/onnx/writer.ts';
import { embeddingClassifier, floats, maskOpsGraph } from '../support/dtype-graphs.ts';
import { floatTensor, int64Of, intAttribute, node, onnxModel, shapeTensor, weights } from './onnx-model.ts';
import { runOnnxRuntime } from './ort-runner.ts';

const IDS = BigInt64Array.from([1n, 2n, 3n, 0n, 0n, 10n, -1n, 4n, 5n, 0n, 7n, 9n, 8n, 0n, 6n]);

/** ids [N,5] int64 → masked mean of token + position embeddings, and a Where/Expand/Or output. */
function maskedEmbeddingModel(): Uint8Array {
  return onnxModel({
    inputs: [['ids', ['N', 5], DataType.INT64]],
    outputs: [['mean', ['N', 6]], ['chosen', ['N', 5, 6]], ['flags', ['N', 5], DataType.BOOL]],
    initializers: [
      weights('table', [11, 6], 1), weights('positions', [5, 6], 2),
      int64Of('zero', [], [0n]), int64Of('start', [], [0n]), int64Of('limit', [], [5n]), int64Of('delta', [], [1n]),
      int64Of('three', [], [3n]), int64Of('eight', [], [8n]), shapeTensor('axes2', [2]), shapeTensor('axes1', [1]),
      shapeTensor('full', [1, 5, 6]), floatTensor('half', [], Float32Array.of(0.5)),
    ],
    nodes: [
      node('Gather', ['table', 'ids'], 'emb'),
      node('Range', ['start', 'limit', 'delta'], 'pos_ids'),
      node('Gather', ['positions', 'pos_ids'], 'pos'),
      node('Add', ['emb', 'pos'], 'tokens'),
      node('Equal', ['ids', 'zero'], 'pad'),
      node('Not', ['pad'], 'keep'),
      node('Unsqueeze', ['keep', 'axes2'], 'keep3'),
      node('Cast', ['keep3'], 'keepf', [intAttribute('to', DataType.FLOAT)]),
      node('Mul', ['tokens', 'keepf'], 'masked'),
      node('ReduceSum', ['masked', 'axes1'], 'sum', [intAttribute('keepdims', 0)]),
      node('ReduceSum', ['keepf', 'axes1'], 'count', [intAttribute('keepdims', 0)]),
      node('Div', ['sum', 'count'], 'mean'),
      node('Greater', ['ids', 'three'], 'big'),
      node('Unsqueeze', ['big', 'axes2'], 'big3'),
      node('Expand', ['big3', 'full'], 'big_full'),
      node('Where', ['big_full', 'tokens', 'half'], 'chosen'),
      node('Less', ['ids', 'eight'], 'small'),
      node('And', ['keep', 'small'], 'kept_small'),
      node('Or', ['kept_small', 'pad'], 'flags'),
    ],
  });
}

async function expectMatchesOrt(bytes: Uint8Array, graph: Graph, feeds: TypedFeeds): Promise<void> {
  const want = await runOnnxRuntime(bytes, graph, feeds);
  const got = interpret(graph, feeds);
  for (const name of graph.outputs) {
    const [a, b] = [got[name] ?? new Float32Array(), want[name] ?? new Float32Array()];
    expect(a.length, name).toBe(b.length);
    b.forEach((v, i) => expect(Math.abs((a[i] ?? NaN) - v), `${name}[${i}]`).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(v))));
  }
}

describe('ONNX ids and masks', () => {
  it('imports INT64 ids and BOOL outputs, and agrees with onnxruntime', async () => {
    const bytes = maskedEmbeddingModel();
    const graph = importOnnx(bytes);
    expect(graph.inputs.map((v) => `${v.name}: ${v.type.dtype}`)).toEqual(['ids: i32']);
    expect(graph.nodes.filter((n) => n.op === 'gather').length).toBe(2);
    await expectMatchesOrt(bytes, graph, { ids: IDS });
  });

  it('writes the dtype ops so onnxruntime agrees with the interpreter (int64 ids, bool masks)', async () => {
    await expectMatchesOrt(writeOnnx(embeddingClassifier()), embeddingClassifier(), { ids: Int32Array.from(IDS, Number) });
    const m = Uint8Array.from([1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1]);
    await expectMatchesOrt(writeOnnx(maskOpsGraph()), maskOpsGraph(), { x: floats(12, 9), m });
  });

  it('reads back what it writes', () => {
    const graph = embeddingClassifier();
    const again = importOnnx(writeOnnx(graph));
    expect(again.inputs[0]?.type).toEqual({ dtype: 'i32', shape: ['N', 5] });
    expect(interpret(again, { ids: IDS })).toEqual(interpret(graph, { ids: IDS }));
  });

  it('refuses other element types and ids outside the table with one clear line', () => {
    const string = onnxModel({ inputs: [['s', [2], DataType.STRING]], outputs: [['s2', [2]]], nodes: [node('Identity', ['s'], 's2')] });
    expect(() => importOnnx(string)).toThrow(/input %s has element type STRING; fusegraph models take FLOAT, INT64\/INT32 \(ids\) and BOOL\/UINT8 \(masks\) inputs/);
    const graph = importOnnx(maskedEmbeddingModel());
    const bad = BigInt64Array.from(IDS);
    bad[12] = 11n;
    expect(() => interpret(graph, { ids: bad })).toThrow(/id 11 at position \[2, 2\] of %ids is outside \[-11, 11\)/);
  });
});
