// The arbitraries themselves: every generated graph verifies, every op of the table shows
// up, feeds fit their inputs, and a failing property reports pasteable IR text.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bindBatch, interpret } from '../../ir/interpret.ts';
import { ACTIVATION_OPS, isActivation } from '../../ir/ops/index.ts';
import { parseGraph } from '../../ir/parse.ts';
import { symbolOf, staticSize } from '../../ir/types.ts';
import { verifyGraph } from '../../ir/verify.ts';
import { arbGraph, arbGraphAndFeeds, assertGraphProperty, GENERATED_OPS, HOSTILE_NAMES } from '../arbitraries.ts';

describe('arbitraries', () => {
  it('generate graphs the verifier accepts', () => {
    fc.assert(fc.property(arbGraph(), (graph) => {
      expect(verifyGraph(graph)).toEqual([]);
    }), { numRuns: 300 });
  });

  it('cover every op of the table, every fused activation, hostile names and both batch kinds', () => {
    const graphs = fc.sample(arbGraph(), { numRuns: 400, seed: 42 });
    const ops = new Set(graphs.flatMap((g) => g.nodes.map((n) => n.op)));
    expect(GENERATED_OPS.filter((op) => !ops.has(op))).toEqual([]);
    const fused = new Set(graphs.flatMap((g) => g.nodes.flatMap((n) => {
      const activation = n.attrs['activation'];
      return isActivation(activation) ? [activation.op] : [];
    })));
    expect(ACTIVATION_OPS.filter((op) => !fused.has(op))).toEqual([]);
    const names = new Set(graphs.flatMap((g) => [...g.inputs, ...g.nodes].map((v) => v.name)));
    expect(HOSTILE_NAMES.some((name) => names.has(name))).toBe(true);
    expect(graphs.some((g) => g.outputs.length > 1)).toBe(true);
    expect(graphs.some((g) => g.inputs.some((i) => symbolOf(i.type.shape) !== undefined))).toBe(true);
    expect(graphs.some((g) => g.inputs.every((i) => symbolOf(i.type.shape) === undefined))).toBe(true);
    // A DAG: some value read by two nodes.
    expect(graphs.some((g) => {
      const reads = g.nodes.flatMap((n) => n.inputs);
      return reads.some((name, i) => reads.indexOf(name) !== i);
    })).toBe(true);
  });

  it('respect options: op subset, plain names, static batch', () => {
    fc.assert(fc.property(arbGraph({ ops: ['relu', 'add'], names: 'plain', batch: 'static' }), (graph) => {
      expect(graph.nodes.every((n) => n.op === 'relu' || n.op === 'add' || n.op === 'const')).toBe(true);
      expect([...graph.inputs, ...graph.nodes].every((v) => /^[A-Za-z0-9_][A-Za-z0-9_.]*$/.test(v.name))).toBe(true);
      expect(graph.inputs.every((i) => symbolOf(i.type.shape) === undefined)).toBe(true);
    }), { numRuns: 100 });
  });

  it('make feeds that fit the inputs, finite when asked', () => {
    fc.assert(fc.property(arbGraphAndFeeds({ feeds: { finite: true, batch: { min: 2, max: 3 } } }), ({ graph, feeds, batch }) => {
      const bound = bindBatch(graph, feeds);
      for (const input of graph.inputs) {
        const data = feeds[input.name];
        const symbolic = symbolOf(input.type.shape) !== undefined;
        expect(data?.length).toBe(staticSize(input.type.shape) * (symbolic ? batch : 1));
        expect(Array.from(data ?? []).every(Number.isFinite)).toBe(true);
        if (symbolic) expect([...bound.values()]).toContain(batch);
      }
    }), { numRuns: 100 });
  });

  it('mix edge values into feeds by default', () => {
    const cases = fc.sample(arbGraphAndFeeds(), { numRuns: 100, seed: 3 });
    const values = cases.flatMap((c) => Object.values(c.feeds).flatMap((d) => Array.from(d)));
    for (const edge of [NaN, Infinity, -Infinity, 1e4, -1e4]) expect(values.some((v) => Object.is(v, edge))).toBe(true);
    expect(values.some((v) => Object.is(v, -0))).toBe(true);
    expect(values.some((v) => Math.abs(v) > 1e29)).toBe(true);
  });

  it('report a failing property with the shrunk graph as IR text that parses back', () => {
    let message = '';
    try {
      assertGraphProperty(arbGraphAndFeeds(), ({ graph }) => graph.nodes.every((n) => n.op !== 'softmax'), { seed: 5, numRuns: 300 });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('shrunk counterexample');
    const text = message.slice(message.indexOf('graph '));
    const graph = parseGraph(text.slice(0, text.indexOf('\n}\n') + 3));
    expect(graph.nodes.some((n) => n.op === 'softmax')).toBe(true);
    // Shrinking leaves a small graph.
    expect(graph.nodes.filter((n) => n.op !== 'const').length).toBeLessThanOrEqual(2);
  });

  it('produce graphs the interpreter runs', () => {
    fc.assert(fc.property(arbGraphAndFeeds(), ({ graph, feeds }) => {
      const out = interpret(graph, feeds);
      expect(Object.keys(out).sort()).toEqual([...graph.outputs].sort());
    }), { numRuns: 100 });
  });
});
