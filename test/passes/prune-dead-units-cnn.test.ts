// prune-dead-units through conv channels: in proved mode the pruned model computes the same
// outputs as the original on random inputs inside the box (random small CNNs from arb-cnn.ts:
// conv → activation (fused or not) → per-channel scale and shift → depthwise conv → pooling →
// conv → flatten → linear); other grouped convs are left whole with a note; in observed mode on the Fashion-MNIST CNN the two
// conv channels PyTorch sees never active go, with their 2 × 25 columns of the linear layer.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interpret.ts';
import { verifyGraphOrThrow } from '../../ir/verify.ts';
import { observedOracle, provedOracle } from '../../src/analysis/unit-oracles.ts';
import { GraphBuilder } from '../../src/builder.ts';
import { readDataSet } from '../../src/cli/data-file.ts';
import { loadModel } from '../../src/load-model.ts';
import '../../src/frontends/index.ts';
import { QUIET } from '../../src/passes/pass.ts';
import { emptySummary, pruneDeadUnits } from '../../src/passes/prune-dead-units.ts';
import { arbCnn } from '../analysis/arb-cnn.ts';
import { assertGraphProperty } from '../arbitraries/counterexample.ts';

describe('prune-dead-units on CNNs', () => {
  it('proved mode keeps the outputs on inputs inside the box', () => {
    let convChannels = 0;
    let linearized = 0;
    let depthwise = 0;
    assertGraphProperty(arbCnn(), ({ graph, lo, hi, inputs }) => {
      const summary = emptySummary('proved', 'test');
      const pruned = pruneDeadUnits(graph, provedOracle({ lo, hi }, 'test'), QUIET, summary);
      verifyGraphOrThrow(pruned);
      const producers = new Map(graph.nodes.map((n) => [n.name, n.op]));
      convChannels += summary.layers.filter((l) => producers.get(l.producer) === 'conv').reduce((n, l) => n + l.removed.length, 0);
      linearized += summary.linearized.length;
      const groups = (g: typeof graph): number[] => g.nodes.filter((n) => n.op === 'conv').map((n) => Number(n.attrs['group']));
      if (Math.max(...groups(pruned)) < Math.max(...groups(graph))) depthwise++;
      const want = interpret(graph, { x: inputs });
      const got = interpret(pruned, { x: inputs });
      const exact = summary.folded.length === 0 && summary.linearized.length === 0 && summary.layers.every((l) => l.nonzero === 0);
      for (const name of graph.outputs) {
        const a = want[name] ?? new Float32Array();
        const b = got[name] ?? new Float32Array(1);
        a.forEach((v, i) => {
          const w = b[i] ?? NaN;
          // Removed zero channels drop exact zero terms; a nonzero constant moved into a bias rounds differently.
          const ok = exact ? v === w : Math.abs(v - w) <= 1e-4 * (1 + Math.abs(v));
          if (!ok) throw new Error(`output ${i}: ${v} became ${w}`);
        });
      }
    }, { numRuns: 80 });
    expect(convChannels).toBeGreaterThan(40);
    expect(linearized).toBeGreaterThan(3);
    // Channels pruned through a depthwise conv (its group shrinks with them).
    expect(depthwise).toBeGreaterThan(3);
  });

  it('leaves a grouped conv whole and says why', () => {
    const g = new GraphBuilder('grouped');
    const x = g.input('x', ['N', 2, 4, 4]);
    const w = g.constant(Float32Array.of(1, 1), [2, 1, 1, 1]);
    const h = g.relu(g.op('conv', [x, w, g.constant(Float32Array.of(-10, 0), [2])], { group: 2 }));
    g.output(g.linear(g.op('flatten', [h], { axis: 1 }), g.constant(new Float32Array(32).fill(1), [1, 32])));
    const graph = g.build();
    const notes: string[] = [];
    const pruned = pruneDeadUnits(graph, provedOracle({ lo: 0, hi: 1 }, 'test'), { note: (line) => notes.push(line) });
    expect(pruned.nodes.find((n) => n.op === 'conv')?.type.shape).toEqual(['N', 2, 4, 4]);
    expect(notes.join('\n')).toContain('a grouped conv (group 2) ties its output channels to its input channels');
  });

  it('observed mode on the Fashion-MNIST CNN removes the channels PyTorch saw never active', async () => {
    const graph = await loadModel('examples/fashion-mnist/cnn.onnx');
    const data = readDataSet('examples/fashion-mnist/sample-images-idx3-ubyte.gz', graph, 1 / 255);
    const torch = JSON.parse(readFileSync('examples/fashion-mnist/cnn_dead_units.json', 'utf8')) as {
      first_10: Record<string, { never_active: number[] }>;
    };
    // 10 images: the reference interpreter runs this CNN at about 0.1 s per image.
    const images = data.values.subarray(0, 10 * data.sampleSize);
    const summary = emptySummary('observed', 'test');
    const pruned = pruneDeadUnits(graph, observedOracle(images, data.sampleSize, 'first 10'), QUIET, summary);
    const byProducer = new Map(summary.layers.map((l) => [l.producer, l.removed]));
    expect(byProducer.get('/3/Conv_output_0')).toEqual(torch.first_10['relu_4']?.never_active);
    expect(byProducer.get('/0/Conv_output_0')).toEqual(torch.first_10['relu_1']?.never_active);
    expect(pruned.nodes.find((n) => n.name === '/3/Conv_output_0')?.type.shape).toEqual(['N', 30, 10, 10]);
    // Each removed channel is 5 × 5 columns of the first linear layer after the flatten.
    const first = pruned.nodes.find((n) => n.op === 'linear' && n.inputs[0] === '/6/Flatten_output_0');
    const weight = pruned.nodes.find((n) => n.name === first?.inputs[1]);
    expect(weight?.type.shape).toEqual([128 - (torch.first_10['relu_8']?.never_active.length ?? 0), 800 - 2 * 25]);
    const few = { x: images.subarray(0, 4 * data.sampleSize) };
    expect(interpret(pruned, few)['y']).toEqual(interpret(graph, few)['y']);
  });
});
