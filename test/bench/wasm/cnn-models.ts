// Whole-network speed of the wasm bundle on ResNet-18 and MobileNetV2 at 1×3×224×224 with
// random weights (batch-norm folded, as -O2 leaves them: conv + bias + fused ReLU/ReLU6 and
// residual adds), one thread, best of several runs; GFLOP/s counts 2 per multiply-add over
// every kernel (codegen/kernel-info.ts). CHECK=1 first compares with the interpreter (slow).
//
//   node --import tsx test/bench/wasm/cnn-models.ts
//   RELAXED=1 node --experimental-wasm-relaxed-simd --import tsx test/bench/wasm/cnn-models.ts
//   ROUNDS=40 …                                                 (more timed runs on a busy machine)

import { kernelFlops } from '../../../codegen/kernel-info.ts';
import { lowerGraph } from '../../../codegen/lower.ts';
import { emitWasm } from '../../../codegen/wasm/target.ts';
import type { Graph, Value } from '../../../ir/graph.ts';
import { interpret } from '../../../ir/interpret.ts';
import type { Attrs } from '../../../ir/ops/index.ts';
import { GraphBuilder } from '../../../src/builder.ts';
import { optimize } from '../../../src/passes/pipeline.ts';
import { Random } from '../../../src/random.ts';
import { compareArrays, toleranceFor } from '../../../src/tolerance.ts';
import { importBundle } from '../../codegen/js/load-bundle.ts';

class Net {
  readonly b: GraphBuilder;
  readonly #random = new Random(3);
  constructor(name: string) { this.b = new GraphBuilder(name); }

  /** conv + bias (a folded batch norm), optional residual and activation. */
  conv(x: Value, out: number, kernel: number, stride: number, options: { group?: number; act?: string; residual?: Value } = {}): Value {
    const channels = x.type.shape[1] as number;
    const group = options.group ?? 1;
    const fanIn = (channels / group) * kernel * kernel;
    const bound = Math.sqrt(3 / fanIn);
    const w = this.b.constant(this.#random.uniformArray(out * fanIn, -bound, bound), [out, channels / group, kernel, kernel]);
    const bias = this.b.constant(this.#random.uniformArray(out, -0.1, 0.1), [out]);
    const pad = Math.floor(kernel / 2);
    const attrs: Record<string, Attrs[string]> = { strides: [stride, stride], pads: [pad, pad, pad, pad], group };
    const operands = [x, w, bias];
    if (options.residual !== undefined) { operands.push(options.residual); attrs['residual'] = 1; }
    if (options.act === 'relu') attrs['activation'] = { op: 'relu', attrs: {} };
    if (options.act === 'relu6') attrs['activation'] = { op: 'clip', attrs: { min: 0, max: 6 } };
    return this.b.op('conv', operands, attrs);
  }

  head(x: Value, classes: number): Graph {
    const pooled = this.b.op('reduce_mean', [x], { axes: [2, 3], keepdims: 0 });
    const features = pooled.type.shape[1] as number;
    const bound = 1 / Math.sqrt(features);
    const w = this.b.constant(this.#random.uniformArray(classes * features, -bound, bound), [classes, features]);
    this.b.output(this.b.linear(pooled, w, this.b.constant(new Float32Array(classes), [classes])));
    return this.b.build();
  }
}

function resnet18(): Graph {
  const n = new Net('resnet18');
  let x = n.conv(n.b.input('x', [1, 3, 224, 224]), 64, 7, 2, { act: 'relu' });
  x = n.b.op('max_pool', [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
  for (const [width, stride] of [[64, 1], [128, 2], [256, 2], [512, 2]] as const) {
    for (let block = 0; block < 2; block++) {
      const s = block === 0 ? stride : 1;
      const shortcut = s !== 1 || (x.type.shape[1] as number) !== width ? n.conv(x, width, 1, s) : x;
      const h = n.conv(x, width, 3, s, { act: 'relu' });
      x = n.conv(h, width, 3, 1, { act: 'relu', residual: shortcut });
    }
  }
  return n.head(x, 1000);
}

function mobilenetV2(): Graph {
  const n = new Net('mobilenet_v2');
  let x = n.conv(n.b.input('x', [1, 3, 224, 224]), 32, 3, 2, { act: 'relu6' });
  const settings = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]] as const;
  for (const [expand, out, repeats, stride] of settings) {
    for (let i = 0; i < repeats; i++) {
      const s = i === 0 ? stride : 1;
      const channels = x.type.shape[1] as number;
      const hidden = channels * expand;
      const e = expand === 1 ? x : n.conv(x, hidden, 1, 1, { act: 'relu6' });
      const d = n.conv(e, hidden, 3, s, { group: hidden, act: 'relu6' });
      x = n.conv(d, out, 1, 1, s === 1 && channels === out ? { residual: x } : {});
    }
  }
  x = n.conv(x, 1280, 1, 1, { act: 'relu6' });
  return n.head(x, 1000);
}

interface Session { runSync(feeds: Record<string, Float32Array>): Record<string, Float32Array> }

async function measure(name: string, model: Graph): Promise<string> {
  const compileStart = performance.now();
  const { graph, plan } = optimize(model);
  const bundle = emitWasm(graph, plan, { relaxed: process.env['RELAXED'] === '1' });
  const compileMs = performance.now() - compileStart;
  const flops = lowerGraph(graph, plan).kernels.reduce((total, k) => total + kernelFlops(k, 1), 0);
  const session = await (await importBundle(bundle) as unknown as { load(options: object): Promise<Session> }).load({ threads: 1 });
  const x = new Random(5).uniformArray(3 * 224 * 224, -1, 1);
  const actual = session.runSync({ x });
  if (process.env['CHECK'] === '1') {
    const expected = interpret(graph, { x });
    const out = graph.outputs[0] ?? '';
    const check = compareArrays(expected[out] ?? new Float32Array(), actual[out] ?? new Float32Array(), toleranceFor(graph));
    if (!check.ok) throw new Error(`${name}: wrong result ${JSON.stringify(check.mismatch)}`);
  }
  for (let i = 0; i < 3; i++) session.runSync({ x });
  let best = Infinity;
  for (let round = 0; round < Number(process.env['ROUNDS'] ?? 10); round++) {
    const start = performance.now();
    session.runSync({ x });
    best = Math.min(best, performance.now() - start);
  }
  return `| ${name} | ${(flops / 1e9).toFixed(2)} | ${best.toFixed(1)} | ${(flops / best / 1e6).toFixed(1)} | ${compileMs.toFixed(0)} |`;
}

const lines = ['| model | GFLOP | ms | GFLOP/s | compile ms |', '| --- | --- | --- | --- | --- |'];
lines.push(await measure('ResNet-18', resnet18()));
lines.push(await measure('MobileNetV2', mobilenetV2()));
process.stdout.write(`${lines.join('\n')}\n`);
