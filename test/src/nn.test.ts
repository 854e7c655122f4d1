// The PyTorch-like API: parameter names as in a state dict, PyTorch's default initialisation
// bounds from a seeded PRNG, and supplied weights used exactly or refused by name.

import { describe, expect, it } from 'vitest';
import { CompileError } from '../../ir/errors.ts';
import type { Graph } from '../../ir/graph.ts';
import { interpret } from '../../ir/interpret.ts';
import { tensorAttr } from '../../ir/ops/index.ts';
import { dropout, flatten, linear, prelu, relu, sequential, softmax, tanh, toGraph } from '../../src/nn.ts';

function constants(graph: Graph): Map<string, Float32Array> {
  return new Map(graph.nodes.filter((n) => n.op === 'const').map((n) => [n.name, tensorAttr(n.attrs, 'value').data]));
}

describe('nn', () => {
  it('names parameters as PyTorch does, by position or by key', () => {
    const positional = toGraph(sequential(linear(4, 3), relu(), linear(3, 2)), { name: 'm', inputShape: ['N', 4] });
    expect([...constants(positional).keys()]).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    const named = toGraph(sequential({ fc1: linear(4, 3), act: prelu(3), fc2: linear(3, 2, { bias: false }) }), { name: 'm', inputShape: ['N', 4] });
    expect([...constants(named).keys()]).toEqual(['fc1.weight', 'fc1.bias', 'act.weight', 'fc2.weight']);
    expect(named.nodes.map((n) => n.op)).toEqual(['const', 'const', 'linear', 'const', 'prelu', 'const', 'linear']);
  });

  it("initialises Linear like PyTorch: weight and bias uniform in ±1/sqrt(in_features)", () => {
    for (const [inF, outF] of [[784, 128], [100, 50], [3, 2000]] as const) {
      const params = constants(toGraph(linear(inF, outF), { name: 'l', inputShape: ['N', inF], seed: inF }));
      const bound = 1 / Math.sqrt(inF);
      for (const name of ['weight', 'bias']) {
        const data = Array.from(params.get(name) ?? []);
        expect(data.length).toBe(name === 'weight' ? inF * outF : outF);
        expect(data.every((v) => Math.abs(v) <= bound)).toBe(true);
        // Uniform, not a narrower distribution: the extremes come close to the bound.
        if (data.length >= 1000) {
          expect(Math.max(...data)).toBeGreaterThan(0.95 * bound);
          expect(Math.min(...data)).toBeLessThan(-0.95 * bound);
          expect(Math.abs(data.reduce((s, v) => s + v, 0) / data.length)).toBeLessThan(0.05 * bound);
        }
      }
    }
  });

  it('is reproducible for a seed and differs across seeds', () => {
    const make = (seed: number): Float32Array => constants(toGraph(linear(8, 8), { name: 'l', inputShape: ['N', 8], seed })).get('weight') ?? new Float32Array();
    expect(make(3)).toEqual(make(3));
    expect(make(3)).not.toEqual(make(4));
  });

  it('initialises PReLU slopes to 0.25, one per parameter', () => {
    const params = constants(toGraph(prelu(5), { name: 'p', inputShape: ['N', 5] }));
    expect(Array.from(params.get('weight') ?? [])).toEqual([0.25, 0.25, 0.25, 0.25, 0.25]);
  });

  it('uses supplied weights exactly', () => {
    const weights = new Map([['0.weight', new Float32Array([1, 2])], ['0.bias', new Float32Array([3])]]);
    const graph = toGraph(sequential(linear(2, 1), tanh()), { name: 'm', inputShape: ['N', 2], weights, outputName: 'out' });
    expect(constants(graph).get('0.weight')).toBe(weights.get('0.weight'));
    expect(Array.from(interpret(graph, { x: new Float32Array([1, 1, -1, 1]) })['out'] ?? [])).toEqual([Math.fround(Math.tanh(6)), Math.fround(Math.tanh(4))]);
  });

  it('refuses missing, misshapen and unused weights, naming them', () => {
    const build = (weights: Map<string, Float32Array>): Graph => toGraph(linear(2, 1), { name: 'm', inputShape: ['N', 2], weights });
    expect(() => build(new Map([['weight', new Float32Array(2)]]))).toThrow("missing weight 'bias' of shape [1]");
    expect(() => build(new Map([['weight', new Float32Array(3)], ['bias', new Float32Array(1)]]))).toThrow("weight 'weight' needs shape [1,2]");
    expect(() => build(new Map([['weight', new Float32Array(2)], ['bias', new Float32Array(1)], ['extra', new Float32Array(1)]])))
      .toThrow('unused weights: "extra"');
    expect(() => build(new Map())).toThrow(CompileError);
  });

  it('builds the other modules into their ops', () => {
    const graph = toGraph(sequential(flatten(), dropout(0.1), linear(6, 4), softmax()), { name: 'm', inputShape: ['N', 2, 3] });
    expect(graph.nodes.filter((n) => n.op !== 'const').map((n) => [n.op, n.type.shape])).toEqual([
      ['flatten', ['N', 6]], ['dropout', ['N', 6]], ['linear', ['N', 4]], ['softmax', ['N', 4]],
    ]);
    expect(graph.nodes.find((n) => n.op === 'dropout')?.attrs).toEqual({ p: 0.1 });
  });
});
