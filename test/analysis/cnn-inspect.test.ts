// `inspect` on CNNs: a conv's unit is an output channel, dead when it never fires at any
// position of any sample. On the committed Fashion-MNIST CNN the dead channels and, per
// channel, the positions that never fire match PyTorch's (cnn_dead_units.json); on a Conv1d
// (and on that CNN at -O2) the counts are the same whether the ReLU stands alone or is fused
// into conv{activation}, and the box proves the dead and the linear channel.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../ir/graph.ts';
import { inspectGraph } from '../../src/analysis/inspect.ts';
import { GraphBuilder } from '../../src/builder.ts';
import { readDataSet } from '../../src/cli/data-file.ts';
import { loadModel } from '../../src/load-model.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import '../../src/frontends/index.ts';

interface TorchDead {
  readonly never_active: number[];
  readonly dead_positions?: number[];
}

/** x[N,2,6] → conv1d (3 channels, kernel 3 of ones, biases 0, -100, 100) → relu → linear. */
function conv1d(fused: boolean): Graph {
  const g = new GraphBuilder('c1');
  const x = g.input('x', ['N', 2, 6]);
  const operands = [x, g.constant(new Float32Array(18).fill(1), [3, 2, 3]), g.constant(Float32Array.of(0, -100, 100), [3])];
  const h = fused ? g.op('conv', operands, { activation: { op: 'relu', attrs: {} } }, 'h') : g.relu(g.op('conv', operands), 'h');
  g.output(g.linear(g.op('flatten', [h], { axis: 1 }), g.constant(new Float32Array(12).fill(1), [1, 12])));
  return g.build();
}

describe('inspect on CNNs', () => {
  it('Fashion-MNIST CNN: dead channels and dead positions as PyTorch finds them', async () => {
    const graph = await loadModel('examples/fashion-mnist/cnn.onnx');
    const data = readDataSet('examples/fashion-mnist/sample-images-idx3-ubyte.gz', graph, 1 / 255);
    const torch = JSON.parse(readFileSync('examples/fashion-mnist/cnn_dead_units.json', 'utf8')) as { first_10: Record<string, TorchDead> };
    // 10 images: the reference interpreter runs this CNN at about 0.1 s per image.
    const options = {
      data: { values: data.values.subarray(0, 10 * data.sampleSize), sampleSize: data.sampleSize },
      box: { box: { lo: 0, hi: 1 }, description: '[0, 1]' },
    };
    const report = inspectGraph(graph, options);
    // -O2 fuses each ReLU into its conv or linear: the same counts, taken inside the epilogue
    // (on 5 images: a fused site evaluates its conv once more for the pre-activation).
    const few = { data: { values: data.values.subarray(0, 5 * data.sampleSize), sampleSize: data.sampleSize } };
    const fused = inspectGraph(optimize(graph, { level: 'O2' }).graph, few);
    expect(fused.layers.map((l) => l.fusedInto)).toEqual(['conv', 'conv', 'linear']);
    expect(fused.layers.map((l) => l.observed)).toEqual(inspectGraph(graph, few).layers.map((l) => l.observed));
    const [conv1, conv2, fc] = report.layers;
    expect(report.layers.map((l) => l.units)).toEqual([16, 32, 128]);
    expect(conv1?.observed?.dead).toEqual(torch.first_10['relu_1']?.never_active);
    expect(conv1?.observed?.deadPositions).toEqual(torch.first_10['relu_1']?.dead_positions);
    expect(conv2?.observed?.dead).toEqual(torch.first_10['relu_4']?.never_active);
    expect(conv2?.observed?.deadPositions).toEqual(torch.first_10['relu_4']?.dead_positions);
    expect(fc?.observed?.dead).toEqual(torch.first_10['relu_8']?.never_active);
    expect(fc?.observed?.deadPositions).toBeNull();
    expect(conv1?.observed?.positions).toBe(28 * 28);
    expect(conv1?.observed?.positionActiveFraction).toHaveLength(28 * 28);
    expect(conv1?.observed?.samples).toBe(10 * 28 * 28);
    // conv2 channel: 10·10 outputs × 16·5·5 taps, plus 5·5 pooled columns × 128 rows of the linear.
    expect(conv2?.macsPerUnit).toBe(100 * 400 + 25 * 128);
    // conv1 channel: 28·28 × 25 taps, plus conv2's 32 × 10·10 × 25 taps reading it.
    expect(conv1?.macsPerUnit).toBe(784 * 25 + 32 * 100 * 25);
    expect(report.layers.map((l) => l.proved?.dead.length)).toEqual([0, 0, 0]);
  });

  it('counts channels of a Conv1d the same standalone and fused, and proves the dead and the linear one', () => {
    // Samples: all zeros, all ones. Channel 0 sees 0 (never > 0) then 6; 1 is always < 0; 2 always > 0.
    const values = Float32Array.from({ length: 24 }, (_, i) => (i < 12 ? 0 : 1));
    const reports = [false, true].map((fused) => inspectGraph(conv1d(fused), {
      data: { values, sampleSize: 12 },
      box: { box: { lo: 0, hi: 1 }, description: '[0, 1]' },
    }).layers[0]);
    for (const layer of reports) {
      expect(layer?.units).toBe(3);
      expect(layer?.observed?.dead).toEqual([1]);
      expect(layer?.observed?.alwaysActive).toEqual([2]);
      expect(layer?.observed?.activeFraction).toEqual([0.5, 0, 1]);
      expect(layer?.observed?.positions).toBe(4);
      expect(layer?.observed?.deadPositions).toEqual([0, 4, 0]);
      expect(layer?.proved).toEqual({ dead: [1], linear: [2], deadMacsPerSample: layer?.macsPerUnit });
      expect(layer?.macsPerUnit).toBe(4 * 6 + 4);
    }
    expect(reports[0]?.fusedInto).toBeNull();
    expect(reports[1]?.fusedInto).toBe('conv');
  });
});
