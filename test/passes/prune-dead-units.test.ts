// prune-dead-units: in proved mode the pruned model computes the same outputs as the original
// on random inputs inside the box (random MLPs with biased-down units, fused or not, with a
// per-unit scale after the activation); in observed mode on the seed Fashion-MNIST model it
// removes exactly the units PyTorch found never active, and the outputs on that data agree.

import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../ir/graph.ts';
import { interpret } from '../../ir/interpret.ts';
import { verifyGraphOrThrow } from '../../ir/verify.ts';
import { GraphBuilder, type Value } from '../../src/builder.ts';
import { observedOracle, provedOracle } from '../../src/analysis/unit-oracles.ts';
import { readDataSet } from '../../src/cli/data-file.ts';
import { loadModel } from '../../src/load-model.ts';
import { QUIET } from '../../src/passes/pass.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { pruneDeadUnits, prunedUnits, type PruneSummary } from '../../src/passes/prune-dead-units.ts';
import { assertGraphProperty } from '../arbitraries.ts';

const ACTIVATIONS = ['relu', 'leaky_relu', 'prelu', 'elu', 'sigmoid'] as const;

interface MlpCase {
  readonly graph: Graph;
  readonly lo: number;
  readonly hi: number;
  readonly inputs: Float32Array;
}

function arbValues(count: number, min: number, max: number): fc.Arbitrary<Float32Array> {
  return fc.array(fc.integer({ min: Math.round(min * 1000), max: Math.round(max * 1000) }).map((k) => Math.fround(k / 1000)), { minLength: count, maxLength: count })
    .map((v) => Float32Array.from(v));
}

function arbMlp(): fc.Arbitrary<MlpCase> {
  const dims = fc.record({
    d: fc.integer({ min: 1, max: 8 }), h1: fc.integer({ min: 2, max: 12 }), h2: fc.integer({ min: 2, max: 8 }), out: fc.integer({ min: 1, max: 4 }),
    act: fc.constantFrom(...ACTIVATIONS), fuse: fc.boolean(), scale: fc.boolean(), deep: fc.boolean(), batch: fc.integer({ min: 1, max: 4 }),
    lo: fc.integer({ min: -1000, max: 500 }), width: fc.integer({ min: 0, max: 1000 }),
  });
  return dims.chain((p) => fc.record({
    w1: arbValues(p.h1 * p.d, -1, 1), b1: arbValues(p.h1, -4, 1), slope: arbValues(12, -0.5, 0.5), mul: arbValues(p.h1, -2, 2),
    w2: arbValues(p.h2 * p.h1, -1, 1), b2: arbValues(p.h2, -4, 1), w3: arbValues(p.out * (p.deep ? p.h2 : p.h1), -1, 1), b3: arbValues(p.out, -1, 1),
    t: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: p.batch * p.d, maxLength: p.batch * p.d }),
  }).map((w): MlpCase => {
    const g = new GraphBuilder('mlp');
    const x = g.input('x', ['N', p.d]);
    const act = (z: Value, units: number, slope: Float32Array): Value =>
      p.act === 'prelu' ? g.prelu(z, g.constant(slope.subarray(0, units), [units])) : g.op(p.act, [z]);
    let h = act(g.linear(x, g.constant(w.w1, [p.h1, p.d]), g.constant(w.b1, [p.h1])), p.h1, w.slope);
    if (p.scale) h = g.mul(h, g.constant(w.mul, [p.h1]));
    if (p.deep) h = act(g.linear(h, g.constant(w.w2, [p.h2, p.h1]), g.constant(w.b2, [p.h2])), p.h2, w.slope);
    g.output(g.linear(h, g.constant(w.w3, [p.out, p.deep ? p.h2 : p.h1]), g.constant(w.b3, [p.out])));
    const built = g.build();
    const lo = p.lo / 1000;
    const hi = lo + p.width / 1000;
    return {
      graph: p.fuse ? optimize(built, { level: 'O2' }).graph : built,
      lo, hi,
      inputs: Float32Array.from(w.t, (u) => Math.fround(lo + u * (hi - lo))),
    };
  }));
}

describe('prune-dead-units', () => {
  it('proved mode keeps the outputs on inputs inside the box', () => {
    let removed = 0;
    assertGraphProperty(arbMlp(), ({ graph, lo, hi, inputs }) => {
      const summary: PruneSummary = { mode: 'proved', why: 'test', layers: [] };
      const pruned = pruneDeadUnits(graph, provedOracle({ lo, hi }, 'test'), QUIET, summary);
      verifyGraphOrThrow(pruned);
      removed += prunedUnits(summary);
      const want = interpret(graph, { x: inputs });
      const got = interpret(pruned, { x: inputs });
      for (const name of graph.outputs) {
        const a = want[name] ?? new Float32Array();
        const b = got[name] ?? new Float32Array(1);
        // Removed units contribute exact zeros: only the sign of a zero sum may change.
        a.forEach((v, i) => { if (!(v === b[i] || (Number.isNaN(v) && Number.isNaN(b[i] ?? 0)))) throw new Error(`output ${i}: ${v} became ${b[i]}`); });
      }
    }, { numRuns: 150 });
    expect(removed).toBeGreaterThan(50);
  });

  it('observed mode on the Fashion-MNIST ReLU model removes the units PyTorch saw never active', async () => {
    const graph = await loadModel('examples/fashion-mnist/mlp_relu.onnx');
    const data = readDataSet('examples/fashion-mnist/sample-images-idx3-ubyte.gz', graph, 1 / 255);
    const summary: PruneSummary = { mode: 'observed', why: 'test', layers: [] };
    const pruned = pruneDeadUnits(graph, observedOracle(data.values, data.sampleSize, 'sample'), QUIET, summary);
    const torch = JSON.parse(readFileSync('examples/fashion-mnist/train_results.json', 'utf8')) as { models: { relu: { never_active_on_sample: number[] } } };
    expect(summary.layers.flatMap((l) => l.removed)).toEqual(torch.models.relu.never_active_on_sample);
    expect(summary.layers[0]?.macsPerUnit).toBe(784 + 10);
    const want = interpret(graph, { x: data.values })['logits'];
    const got = interpret(pruned, { x: data.values })['logits'];
    expect(got).toEqual(want);
  });
});
