// prune-dead-units: in proved mode the pruned model computes the same outputs as the original
// on random inputs inside the box (random MLPs with biased-down units, fused or not, with a
// per-unit scale after the activation); in observed mode on the seed Fashion-MNIST model it
// removes exactly the units PyTorch found never active, and the outputs on that data agree.
// Activations proved to be the identity on the box are removed and their layers folded.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interpret.ts';
import { verifyGraphOrThrow } from '../../ir/verify.ts';
import { observedOracle, provedOracle } from '../../src/analysis/unit-oracles.ts';
import { readDataSet } from '../../src/cli/data-file.ts';
import { loadModel } from '../../src/load-model.ts';
import { QUIET } from '../../src/passes/pass.ts';
import { emptySummary, pruneDeadUnits, prunedUnits } from '../../src/passes/prune-dead-units.ts';
import { assertGraphProperty } from '../arbitraries/counterexample.ts';
import { arbMlp } from '../analysis/arb-mlp.ts';

describe('prune-dead-units', () => {
  it('proved mode keeps the outputs on inputs inside the box', () => {
    let removed = 0;
    let linearized = 0;
    let folded = 0;
    assertGraphProperty(arbMlp(), ({ graph, lo, hi, inputs }) => {
      const summary = emptySummary('proved', 'test');
      const pruned = pruneDeadUnits(graph, provedOracle({ lo, hi }, 'test'), QUIET, summary);
      verifyGraphOrThrow(pruned);
      removed += prunedUnits(summary);
      linearized += summary.linearized.length;
      folded += summary.folded.length;
      const want = interpret(graph, { x: inputs });
      const got = interpret(pruned, { x: inputs });
      for (const name of graph.outputs) {
        const a = want[name] ?? new Float32Array();
        const b = got[name] ?? new Float32Array(1);
        a.forEach((v, i) => {
          const w = b[i] ?? NaN;
          // Removed dead units contribute exact zeros: only the sign of a zero sum may change.
          // A nonzero constant moved into a bias, or a folded pair of layers, rounds differently.
          const exact = summary.folded.length === 0 && summary.layers.every((l) => l.nonzero === 0);
          const ok = exact ? v === w : Math.abs(v - w) <= 1e-4 * (1 + Math.abs(v));
          if (!ok) throw new Error(`output ${i}: ${v} became ${w} (folded: ${summary.folded.join(', ')})`);
        });
      }
    }, { numRuns: 150 });
    expect(removed).toBeGreaterThan(50);
    expect(linearized).toBeGreaterThan(5);
    expect(folded).toBeGreaterThan(5);
  });

  it('observed mode on the Fashion-MNIST ReLU model removes the units PyTorch saw never active', async () => {
    const graph = await loadModel('examples/fashion-mnist/mlp_relu.onnx');
    const data = readDataSet('examples/fashion-mnist/sample-images-idx3-ubyte.gz', graph, 1 / 255);
    const summary = emptySummary('observed', 'test');
    const pruned = pruneDeadUnits(graph, observedOracle(data.values, data.sampleSize, 'sample'), QUIET, summary);
    const torch = JSON.parse(readFileSync('examples/fashion-mnist/train_results.json', 'utf8')) as { models: { relu: { never_active_on_sample: number[] } } };
    expect(summary.layers.flatMap((l) => l.removed)).toEqual(torch.models.relu.never_active_on_sample);
    expect(summary.layers[0]?.macsPerUnit).toBe(784 + 10);
    const want = interpret(graph, { x: data.values })['logits'];
    const got = interpret(pruned, { x: data.values })['logits'];
    expect(got).toEqual(want);
  });
});
