// Several symbols end to end on the JS target: one bundle of a sequence model over [N, S, D]
// (test/support/sequence-graph.ts) agrees with the interpreter at several batch sizes and
// sequence lengths, and symbols that disagree or cannot be told apart are one clear error.

import { describe, expect, it } from 'vitest';
import { emitJs } from '../../../codegen/js/target.ts';
import { interpret } from '../../../ir/interpret.ts';
import { compile } from '../../../src/compile.ts';
import { GraphBuilder } from '../../../src/builder.ts';
import { compareArrays, toleranceFor } from '../../../src/tolerance.ts';
import { sequenceFeeds, sequenceGraph } from '../../support/sequence-graph.ts';
import { arbGraphAndFeeds, assertGraphPropertyAsync, KERNEL_OPS } from '../../arbitraries.ts';
import { naivePlan } from '../naive-plan.ts';
import { importBundle } from './load-bundle.ts';

const SIZES: readonly [number, number][] = [[1, 1], [1, 5], [2, 3], [3, 17], [1, 64]];

describe('several symbols (JS)', () => {
  const graph = sequenceGraph();

  it('types the model with both symbols where they belong', () => {
    const types = new Map(graph.nodes.map((node) => [node.name, node.type.shape.join(',')]));
    expect(types.get('h')).toBe('N,S,16');
    expect(types.get('moved')).toBe('N,16,S');
    expect(types.get('pooled')).toBe('N,16');
    expect(types.get('heads')).toBe('N,4,S,4');
    expect(types.get('scores')).toBe('N,4,S,S');
    expect(types.get('merged')).toBe('N,S,16');
  });

  for (const variant of ['unoptimized', 'O2'] as const) {
    it(`one bundle serves every batch and sequence length (${variant})`, async () => {
      const bundle = variant === 'unoptimized' ? emitJs(graph, naivePlan(graph)) : compile(graph, { target: 'js', level: 'O2' });
      const module = await importBundle(bundle);
      expect((module.metadata as unknown as { symbols: string[] }).symbols).toEqual(['N', 'S']);
      for (const [batch, length] of SIZES) {
        const feeds = sequenceFeeds(batch, length);
        const expected = interpret(graph, feeds, { S: length });
        const actual = module.run(feeds, { S: length });
        for (const name of graph.outputs) {
          const comparison = compareArrays(expected[name] ?? new Float32Array(), actual[name] ?? new Float32Array(), toleranceFor(graph));
          if (!comparison.ok) throw new Error(`N=${batch} S=${length}: ${name} differs: ${JSON.stringify(comparison.mismatch)}`);
        }
        expect(actual['pooled']?.length).toBe(batch * 16);
        expect(actual['moved']?.length).toBe(batch * length * 16);
      }
    });
  }

  it('agrees with the interpreter on random graphs over [N, S, ...] inputs', async () => {
    const cases = arbGraphAndFeeds({ ops: KERNEL_OPS, maxWidth: 12, symbols: ['N', 'S'], feeds: { batch: { min: 1, max: 3 }, sequence: { min: 1, max: 5 } } });
    await assertGraphPropertyAsync(cases, async ({ graph: g, feeds, dims }) => {
      const module = await importBundle(compile(g, { target: 'js', level: 'O2' }));
      const expected = interpret(g, feeds, dims);
      const actual = module.run({ ...feeds }, dims);
      for (const name of g.outputs) {
        const comparison = compareArrays(expected[name] ?? new Float32Array(), actual[name] ?? new Float32Array(), toleranceFor(g));
        if (!comparison.ok) throw new Error(`output ${JSON.stringify(name)} differs: ${JSON.stringify(comparison.mismatch)}`);
      }
    }, { numRuns: 60 });
  });

  it('binds each symbol from the input that determines it, and names both inputs when they disagree', async () => {
    const b = new GraphBuilder('two_inputs');
    const tokens = b.input('tokens', ['N', 'S', 4]);
    const mask = b.input('mask', ['N', 'S']);
    const lengths = b.input('lengths', ['N', 1]);
    b.output(b.add(b.reduceSum(tokens, [2], false, 'summed'), mask, 'masked'), b.relu(lengths, 'l'));
    const g = b.build();
    const module = await importBundle(compile(g, { target: 'js', level: 'O2' }));
    // N from lengths, then S from tokens (inputs in order), then mask is checked against both.
    const feeds = { tokens: new Float32Array(2 * 3 * 4).fill(1), mask: new Float32Array(6).fill(0.5), lengths: new Float32Array(2) };
    expect(Array.from(module.run(feeds)['masked'] ?? [])).toEqual(Array.from(interpret(g, feeds)['masked'] ?? []));
    const bad = { ...feeds, tokens: new Float32Array(2 * 5 * 4) };
    expect(() => module.run(bad)).toThrow('fusegraph: input "mask" has S = 3, but input "tokens" has S = 5');
    expect(() => interpret(g, bad)).toThrow('input %mask has S = 3, but input %tokens has S = 5');
    expect(() => module.run(feeds, { S: 4 })).toThrow('fusegraph: input "tokens" needs a whole, positive number of samples of 16 values, got 24 (with S = 4 from the dims argument)');
  });

  it('asks for dims when the feed lengths cannot tell the symbols apart', async () => {
    const module = await importBundle(compile(graph, { target: 'js', level: 'O2' }));
    const feeds = sequenceFeeds(2, 3);
    expect(() => module.run(feeds)).toThrow('fusegraph: input "x" of shape [N,S,8] leaves N and S undetermined: give their values as run(feeds, { N: ..., S: ... })');
    expect(() => interpret(graph, feeds)).toThrow('input %x of shape [N,S,8] leaves N and S undetermined: give their values (dims)');
    expect(() => module.run(feeds, { T: 3 })).toThrow('fusegraph: unknown symbol "T" in dims (symbols: N, S)');
    expect(module.run(feeds, { N: 2 })['pooled']?.length).toBe(32);
  });
});
