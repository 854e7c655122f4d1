// GFLOP/s of the wasm bundle on issue 11's four conv layers (single conv + bias + ReLU, batch
// 1, one thread), two deep ResNet-18 convs, two MobileNetV2 layers and ResNet's 3×3/2 max pooling (one flop per tap), each checked against the
// interpreter first. Timing is the best of several rounds of `runSync` (the bundle's own input
// and output copies included).
//
//   node --import tsx test/bench/wasm/conv-layers.ts            (LAYERS=stem,depthwise to pick)
//   RELAXED=1 node --experimental-wasm-relaxed-simd --import tsx test/bench/wasm/conv-layers.ts
//   ROUNDS=300 …                                                (more timed runs on a busy machine)

import { lowerGraph } from '../../../codegen/lower.ts';
import { kernelFlops } from '../../../codegen/kernel-info.ts';
import { emitWasm } from '../../../codegen/wasm/target.ts';
import type { Graph } from '../../../ir/graph.ts';
import { interpret } from '../../../ir/interpret.ts';
import { GraphBuilder } from '../../../src/builder.ts';
import { optimize } from '../../../src/passes/pipeline.ts';
import { Random } from '../../../src/random.ts';
import { compareArrays, toleranceFor } from '../../../src/tolerance.ts';
import { importBundle } from '../../codegen/js/load-bundle.ts';

interface Layer {
  readonly name: string;
  readonly channels: number;
  readonly size: number;
  readonly outChannels: number;
  readonly kernel: number;
  readonly stride: number;
  readonly group: number;
  /** A max pooling layer instead of a conv. */
  readonly pool?: boolean;
}

const LAYERS: readonly Layer[] = [
  { name: '3x3', channels: 64, size: 56, outChannels: 64, kernel: 3, stride: 1, group: 1 },
  { name: '1x1', channels: 64, size: 56, outChannels: 256, kernel: 1, stride: 1, group: 1 },
  { name: 'stem', channels: 3, size: 224, outChannels: 64, kernel: 7, stride: 2, group: 1 },
  { name: 'depthwise', channels: 32, size: 112, outChannels: 32, kernel: 3, stride: 1, group: 32 },
  { name: 'res4-3x3', channels: 256, size: 14, outChannels: 256, kernel: 3, stride: 1, group: 1 },
  { name: 'res5-3x3', channels: 512, size: 7, outChannels: 512, kernel: 3, stride: 1, group: 1 },
  { name: 'mbv2-1x1', channels: 16, size: 112, outChannels: 96, kernel: 1, stride: 1, group: 1 },
  { name: 'mbv2-dw-s2', channels: 96, size: 112, outChannels: 96, kernel: 3, stride: 2, group: 96 },
  { name: 'maxpool', channels: 64, size: 112, outChannels: 64, kernel: 3, stride: 2, group: 1, pool: true },
];

function layerGraph(layer: Layer): Graph {
  const random = new Random(11);
  const b = new GraphBuilder(`conv_${layer.name}`);
  const x = b.input('x', [1, layer.channels, layer.size, layer.size]);
  const pad = Math.floor(layer.kernel / 2);
  if (layer.pool === true) {
    b.output(b.op('max_pool', [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [pad, pad, pad, pad] }));
    return b.build();
  }
  const perGroup = layer.channels / layer.group;
  const fanIn = perGroup * layer.kernel * layer.kernel;
  const scale = 1 / Math.sqrt(fanIn);
  const w = b.constant(random.uniformArray(layer.outChannels * fanIn, -scale, scale), [layer.outChannels, perGroup, layer.kernel, layer.kernel]);
  const bias = b.constant(random.uniformArray(layer.outChannels, -0.1, 0.1), [layer.outChannels]);
  b.output(b.op('conv', [x, w, bias], {
    strides: [layer.stride, layer.stride], pads: [pad, pad, pad, pad], group: layer.group, activation: { op: 'relu', attrs: {} },
  }));
  return b.build();
}

interface Session { runSync(feeds: Record<string, Float32Array>): Record<string, Float32Array> }

async function measure(layer: Layer): Promise<string> {
  const { graph, plan } = optimize(layerGraph(layer));
  const flops = lowerGraph(graph, plan).kernels.reduce((n, k) => n + kernelFlops(k, 1), 0);
  const module = await importBundle(emitWasm(graph, plan, { relaxed: process.env['RELAXED'] === '1' })) as unknown as { load(options: object): Promise<Session> };
  const session = await module.load({ threads: 1 });
  const x = new Random(5).uniformArray(layer.channels * layer.size * layer.size, -1, 1);
  const actual = session.runSync({ x });
  const expected = interpret(graph, { x });
  const name = graph.outputs[0] ?? '';
  const check = compareArrays(expected[name] ?? new Float32Array(), actual[name] ?? new Float32Array(), toleranceFor(graph));
  if (!check.ok) throw new Error(`${layer.name}: wrong result ${JSON.stringify(check.mismatch)}`);
  const warmEnd = performance.now() + 500;
  while (performance.now() < warmEnd) session.runSync({ x });
  let best = Infinity;
  for (let round = 0; round < Number(process.env['ROUNDS'] ?? 20); round++) {
    const start = performance.now();
    session.runSync({ x });
    best = Math.min(best, performance.now() - start);
  }
  return `| ${layer.name} | ${(flops / 1e9).toFixed(3)} | ${best.toFixed(2)} | ${(flops / best / 1e6).toFixed(1)} |`;
}

const picked = process.env['LAYERS']?.split(',');
const lines = ['| layer | GFLOP | ms | GFLOP/s |', '| --- | --- | --- | --- |'];
for (const layer of LAYERS) {
  if (picked === undefined || picked.includes(layer.name)) lines.push(await measure(layer));
}
process.stdout.write(`${lines.join('\n')}\n`);
