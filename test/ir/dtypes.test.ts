// i32 and bool element types in the IR: types print and parse, shape rules check dtypes and
// name the node, the interpreter takes typed feeds and gather refuses ids outside the table,
// and the optimizer (fusion of masks included) changes no result.

import { describe, expect, it } from 'vitest';
import { CompileError } from '../../ir/errors.ts';
import { interpret } from '../../ir/interpret.ts';
import { tensorAttr } from '../../ir/ops/index.ts';
import { parseGraph } from '../../ir/parse.ts';
import { printGraph } from '../../ir/print.ts';
import { verifyGraph } from '../../ir/verify.ts';
import { readJsonModel } from '../../src/frontends/json-model/read.ts';
import { writeJsonModel } from '../../src/frontends/json-model/write.ts';
import { GraphBuilder } from '../../src/builder.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { boolOutputGraph, DIM, embeddingClassifier, floats, maskOpsGraph, SEQ, VOCAB } from '../support/dtype-graphs.ts';

const IDS = Int32Array.from([1, 2, 3, 0, 0, 10, -1, 4, 5, 0]);

describe('dtypes in the IR', () => {
  it('prints i32 and bool types and parses them back exactly', () => {
    for (const graph of [embeddingClassifier(), maskOpsGraph()]) {
      const text = printGraph(graph, { weights: 'full' });
      expect(text).toMatch(graph.name === 'embed_cls' ? /%ids: i32\[N,5\]/ : /%m: bool\[N,4\]/);
      expect(printGraph(parseGraph(text), { weights: 'full' })).toBe(text);
      expect(verifyGraph(graph)).toEqual([]);
    }
  });

  it('round-trips i32 inputs and constants through the JSON model format', () => {
    for (const graph of [embeddingClassifier(), maskOpsGraph()]) {
      const again = readJsonModel(writeJsonModel(graph).json);
      expect(printGraph(again, { weights: 'full' })).toBe(printGraph(graph, { weights: 'full' }));
    }
    expect(writeJsonModel(embeddingClassifier()).json).toContain('"dtype":"i32"');
  });

  it('refuses a float op on an i32 tensor, naming the node', () => {
    const b = new GraphBuilder('bad');
    const ids = b.input('ids', ['N', 4], 'i32');
    expect(() => b.relu(ids, 'r')).toThrow(/%r \(relu\): operand 0 is i32, but relu takes f32 there/);
    expect(() => parseGraph('graph g(%a: f32[2], %b: i32[2]) -> bool[2] {\n  %c = equal(%a, %b) : bool[2]\n  return %c\n}\n'))
      .toThrow(/operands 0 and 1 must have one element type, got f32 and i32/);
    expect(() => parseGraph('graph g(%a: i64[2]) -> i64[2] {\n  return %a\n}\n')).toThrow(/f32, i32 or bool/);
  });

  it('interprets the embedding classifier like a hand computation', () => {
    const graph = embeddingClassifier();
    const { logits, length } = interpret(graph, { ids: IDS });
    const table = floats(VOCAB * DIM, 1);
    const w = floats(3 * DIM, 2);
    const bias = floats(3, 3);
    for (let n = 0; n < 2; n++) {
      const pooled = new Array<number>(DIM).fill(0);
      let count = 0;
      for (let s = 0; s < SEQ; s++) {
        const raw = IDS[n * SEQ + s] ?? 0;
        if (raw === 0) continue;
        count++;
        const row = raw < 0 ? raw + VOCAB : raw;
        for (let d = 0; d < DIM; d++) pooled[d] = Math.fround((pooled[d] ?? 0) + (table[row * DIM + d] ?? 0));
      }
      expect(length?.[n]).toBe(count);
      for (let j = 0; j < 3; j++) {
        let dot = 0;
        for (let d = 0; d < DIM; d++) dot += (pooled[d] ?? 0) * (w[j * DIM + d] ?? 0);
        expect(logits?.[n * 3 + j]).toBeCloseTo(dot + (bias[j] ?? 0), 5);
      }
    }
  });

  it('computes comparisons, logic and casts exactly', () => {
    const x = Float32Array.from([0.2, 0.5, 0.9, -0.4, 0.6, -0.1, 0.5, 1.5]);
    const m = Uint8Array.from([1, 0, 1, 1, 0, 0, 1, 0]);
    const r = interpret(maskOpsGraph(), { x, m });
    const want = Array.from(x, (v, i) => ((v < 0.5 && m[i] === 1) || v > 0.5 ? v : Math.fround(v - 0.5)));
    expect(Array.from(r['chosen'] ?? [])).toEqual(want);
    expect(Array.from(r['xi_f'] ?? [])).toEqual(Array.from(x, (v) => Math.trunc(Math.fround(v * 3)) || 0));
    expect(Array.from(r['eq_f'] ?? [])).toEqual(Array.from(x, (v) => (Math.trunc(Math.fround(v * 3)) === -1 ? 1 : 0)));
    expect(Array.from(r['m_f'] ?? [])).toEqual(Array.from(m));
  });

  it('gives one clear error for an id outside the table, a wrong array or an int64 overflow', () => {
    const graph = embeddingClassifier();
    const bad = Int32Array.from(IDS);
    bad[7] = VOCAB;
    expect(() => interpret(graph, { ids: bad })).toThrow(/%emb \(gather\): id 11 at position \[1, 2\] of %ids is outside \[-11, 11\)/);
    bad[7] = -VOCAB - 1;
    expect(() => interpret(graph, { ids: bad })).toThrow(CompileError);
    expect(() => interpret(graph, { ids: Float32Array.from(IDS) })).toThrow(/input %ids is i32: expected an Int32Array or a BigInt64Array, got Float32Array/);
    const big = BigInt64Array.from(Array.from(IDS, BigInt));
    expect(interpret(graph, { ids: big })['logits']).toEqual(interpret(graph, { ids: IDS })['logits']);
    big[3] = 2n ** 40n;
    expect(() => interpret(graph, { ids: big })).toThrow(/value 1099511627776 at index 3 is outside the supported i32 range/);
    expect(() => interpret(maskOpsGraph(), { x: new Float32Array(4), m: Uint8Array.from([0, 1, 2, 0]) })).toThrow(/value 2 at index 2 must be 0 or 1/);
  });

  it('optimizes without changing results (masks fuse into one body)', () => {
    for (const [graph, feeds] of [
      [embeddingClassifier(), { ids: IDS }],
      [maskOpsGraph(), { x: floats(12, 9), m: Uint8Array.from([1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1]) }],
    ] as const) {
      const optimized = optimize(graph, { level: 'O2' }).graph;
      expect(verifyGraph(optimized)).toEqual([]);
      expect(interpret(optimized, feeds)).toEqual(interpret(graph, feeds));
      const text = printGraph(optimized, { weights: 'full' });
      expect(printGraph(parseGraph(text), { weights: 'full' })).toBe(text);
    }
  });

  it('fuses a mask into one node that says its element type', () => {
    const graph = boolOutputGraph();
    const optimized = optimize(graph, { level: 'O2' }).graph;
    const text = printGraph(optimized, { weights: 'full' });
    expect(text).toMatch(/%ge = fused_elementwise\(%x, %half\) \{body = expr<.*>, dtype = bool\} : bool\[N,3\]/);
    expect(printGraph(parseGraph(text), { weights: 'full' })).toBe(text);
    const feeds = { x: Float32Array.of(-1, 0.5, 0.7, 0.2, NaN, 3) };
    expect(interpret(optimized, feeds)).toEqual(interpret(graph, feeds));
  });
});

describe('nn.embedding', () => {
  it('builds a gather over an N(0, 1) table whose padding row is zero', async () => {
    const { nn } = await import('../../src/index.ts');
    const graph = nn.toGraph(nn.sequential(nn.embedding(7, 3, { paddingIdx: 0 }), nn.linear(3, 2)), {
      name: 'embed', inputShape: ['N', 4], inputDtype: 'i32',
    });
    expect(graph.inputs[0]?.type).toEqual({ dtype: 'i32', shape: ['N', 4] });
    const emb = graph.nodes.find((n) => n.op === 'gather');
    expect(emb?.type).toEqual({ dtype: 'f32', shape: ['N', 4, 3] });
    const out = interpret(graph, { x: Int32Array.of(0, 1, 6, -1) })[graph.outputs[0] ?? ''];
    const bias = graph.nodes.find((n) => n.name === '1.bias');
    // Row 0 is the padding row: its vector is zero, so the classifier gives just the bias.
    expect(out?.slice(0, 2)).toEqual(bias === undefined ? undefined : tensorAttr(bias.attrs, 'value').data);
    expect(out?.slice(4, 6)).toEqual(out?.slice(6, 8)); // id -1 wraps to row 6
    expect(() => nn.embedding(4, 2, { paddingIdx: 4 })).toThrow(/paddingIdx 4 is outside \[-4, 4\)/);
  });
});
