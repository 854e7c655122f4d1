// The arbitraries themselves: every generated graph verifies, every op of the table shows
// up, feeds fit their inputs, and a failing property reports pasteable IR text.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bindBatch, interpret } from '../../ir/interpret.ts';
import { ACTIVATION_OPS, isActivation } from '../../ir/ops/index.ts';
import { parseGraph } from '../../ir/parse.ts';
import { symbolOf, staticSize } from '../../ir/types.ts';
import { verifyGraph } from '../../ir/verify.ts';
import { arbGraph, arbGraphAndFeeds, assertGraphProperty, GENERATED_OPS, HOSTILE_NAMES, KERNEL_OPS } from '../arbitraries.ts';

describe('arbitraries', () => {
  it('generate graphs the verifier accepts', () => {
    fc.assert(fc.property(arbGraph(), (graph) => {
      expect(verifyGraph(graph)).toEqual([]);
    }), { numRuns: 300 });
  });

  it('cover every op of the table, every fused activation, hostile names and both batch kinds', () => {
    const graphs = fc.sample(arbGraph(), { numRuns: 800, seed: 7 });
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

  it('cover the CNN ops in all their forms', () => {
    const graphs = fc.sample(arbGraph({ images: true, ops: ['conv', 'conv_transpose', 'max_pool', 'avg_pool', 'resize', 'pad', 'slice', 'concat'] }), { numRuns: 800, seed: 7 });
    const seen = new Set<string>();
    for (const [n, nodes] of graphs.flatMap((g) => g.nodes.map((node) => [node, g.nodes] as const))) {
      const a = n.attrs;
      const tag = (t: string, when: boolean): void => { if (when) seen.add(`${n.op}:${t}`); };
      const activation = a['activation'];
      const slopes = n.op === 'conv' && isActivation(activation) && activation.op === 'prelu' ? nodes.find((c) => c.name === n.inputs[n.inputs.length - 1]) : undefined;
      tag(`rank${n.type.shape.length}`, n.op === 'conv' || n.op === 'max_pool' || n.op === 'avg_pool');
      tag('depthwise', n.op === 'conv' && a['group'] === n.type.shape[1] && a['group'] !== 1);
      tag('grouped', typeof a['group'] === 'number' && a['group'] > 1);
      tag('residual', a['residual'] === 1);
      tag('bias', n.op === 'conv' && n.inputs.length >= 3 && a['residual'] !== 1 && activation === undefined);
      tag('per-channel prelu', slopes !== undefined && slopes.type.shape.length === 1 && slopes.type.shape[0] === n.type.shape[1] && n.type.shape[1] !== 1);
      tag('strided', Array.isArray(a['strides']) && a['strides'].some((s) => s > 1));
      tag('dilated', Array.isArray(a['dilations']) && a['dilations'].some((d) => d > 1));
      tag('padded', Array.isArray(a['pads']) && a['pads'].some((p) => p > 0));
      tag('ceil', a['ceil_mode'] === 1);
      tag('count_include_pad', a['count_include_pad'] === 1);
      tag('output_padding', Array.isArray(a['output_padding']));
      tag(String(a['mode']), n.op === 'resize' || n.op === 'pad');
      tag(String(a['coordinate_transformation_mode']), n.op === 'resize');
      tag('negative step', Array.isArray(a['steps']) && a['steps'].some((s) => s < 0));
      tag('clamped', Array.isArray(a['ends']) && a['ends'].some((e) => Math.abs(e) === 2147483647));
      tag('3 operands', n.op === 'concat' && n.inputs.length >= 3);
    }
    const wanted = [
      'conv:rank3', 'conv:rank4', 'conv:depthwise', 'conv:grouped', 'conv:residual', 'conv:bias', 'conv:per-channel prelu',
      'conv:strided', 'conv:dilated', 'conv:padded', 'conv_transpose:grouped', 'conv_transpose:output_padding', 'conv_transpose:strided',
      'max_pool:rank3', 'max_pool:rank4', 'max_pool:ceil', 'max_pool:dilated', 'avg_pool:count_include_pad', 'avg_pool:ceil', 'avg_pool:padded',
      'resize:nearest', 'resize:linear', 'resize:half_pixel', 'resize:asymmetric', 'resize:align_corners', 'resize:pytorch_half_pixel',
      'pad:constant', 'pad:reflect', 'pad:edge', 'slice:negative step', 'slice:clamped', 'concat:3 operands',
    ];
    expect(wanted.filter((t) => !seen.has(t))).toEqual([]);
  });

  it('keep the backend tests to ops with kernels', () => {
    expect(KERNEL_OPS).toContain('linear');
    expect(KERNEL_OPS).toContain('hard_swish');
    expect(KERNEL_OPS).toEqual(expect.arrayContaining(['conv', 'conv_transpose', 'max_pool', 'avg_pool', 'concat', 'resize', 'reduce_mean', 'pad', 'slice']));
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
    const cases = fc.sample(arbGraphAndFeeds(), { numRuns: 800, seed: 7 });
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
