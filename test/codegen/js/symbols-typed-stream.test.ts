// Several symbols meet typed feeds and streams in the JS bundle: an embedding over i32 ids
// [N, S] (symbolic id strides in the lookup's error position), and a stream whose state
// [N, S, 4] needs `dims` for S (the feed lengths give only N·S).

import { describe, expect, it } from 'vitest';
import { emitJs } from '../../../codegen/js/target.ts';
import { interpret } from '../../../ir/interpret.ts';
import { GraphBuilder } from '../../../src/builder.ts';
import { optimize } from '../../../src/passes/pipeline.ts';
import { floats } from '../../support/dtype-graphs.ts';
import { importBundle } from './load-bundle.ts';

const VOCAB = 7;

function embeddingOverSequence(): ReturnType<GraphBuilder['build']> {
  const b = new GraphBuilder('embed_seq');
  const ids = b.input('ids', ['N', 'S'], 'i32');
  const table = b.constant(floats(VOCAB * 4, 5), [VOCAB, 4], 'table');
  const pooled = b.reduceMean(b.gather(table, ids, 0, 'emb'), [1], false, 'pooled');
  b.output(b.linear(pooled, b.constant(floats(3 * 4, 6), [3, 4], 'w'), undefined, undefined, [], 'logits'));
  return b.build();
}

function accumulator(): ReturnType<GraphBuilder['build']> {
  const b = new GraphBuilder('acc');
  const x = b.input('x', ['N', 'S', 4]);
  const m = b.input('m', ['N', 'S', 4]);
  b.output(b.add(m, x, 'next'));
  return b.build();
}

interface StreamSession {
  stream(options: object): { push(chunk: Record<string, Float32Array>): Record<string, Float32Array> };
}

describe('several symbols with typed feeds and streams (JS bundle)', () => {
  it('gathers i32 ids [N, S] at several N and S, and names a bad id\'s position', async () => {
    const { graph, plan } = optimize(embeddingOverSequence(), { level: 'O2' });
    const module = await importBundle(emitJs(graph, plan));
    const run = module.run as unknown as (feeds: Record<string, Int32Array>, dims: Record<string, number>) => Record<string, Float32Array>;
    for (const [n, s] of [[2, 3], [3, 5], [1, 1]] as const) {
      const ids = Int32Array.from({ length: n * s }, (_, i) => ((i * 5) % (2 * VOCAB)) - VOCAB);
      const want = interpret(graph, { ids }, { S: s })['logits'] ?? new Float32Array();
      const got = run({ ids }, { S: s })['logits'] ?? new Float32Array();
      expect(got.length).toBe(3 * n);
      want.forEach((v, i) => expect(Math.abs((got[i] ?? NaN) - v)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(v))));
    }
    const bad = new Int32Array(2 * 5);
    bad[7] = VOCAB;
    expect(() => run({ ids: bad }, { S: 5 })).toThrow('fusegraph: id 7 at position [1, 2] of %ids is outside [-7, 7)');
  });

  it('streams a state [N, S, 4] with S given in dims', async () => {
    const { graph, plan } = optimize(accumulator(), { level: 'O2' });
    const module = await importBundle(emitJs(graph, plan));
    const session = (await module.load()) as unknown as StreamSession;
    const chunks = [floats(2 * 3 * 4, 1), floats(2 * 3 * 4, 2), floats(2 * 3 * 4, 3)];
    const stream = session.stream({ state: { next: 'm' }, batch: 2, dims: { S: 3 } });
    let state: Float32Array = new Float32Array(2 * 3 * 4);
    for (const x of chunks) {
      state = interpret(graph, { x, m: state }, { S: 3 })['next'] ?? new Float32Array();
      expect(Array.from(stream.push({ x })['next'] ?? [])).toEqual(Array.from(state));
    }
  });
});
