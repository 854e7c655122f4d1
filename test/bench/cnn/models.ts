// The CNN benchmark's models, built with GraphBuilder and seeded so every runner sees the
// same weights: torchvision's ResNet-18 and MobileNetV2 at 1×3×224×224 (batch norm already
// folded into each conv's bias, as fusegraph's -O2 and onnxruntime both do), LeNet-5 on
// 28×28, and the four single-conv layers of issue 11's per-layer table.

import type { Graph } from '../../../ir/graph.ts';
import type { Attrs } from '../../../ir/ops/index.ts';
import { GraphBuilder, type Value } from '../../../src/builder.ts';
import { Random } from '../../../src/random.ts';

export interface CnnBenchModel {
  readonly name: string;
  /** Input shape with the batch as 'N'. */
  readonly input: readonly (number | string)[];
  readonly batches: readonly number[];
  build(): Graph;
}

/** Convolutions with PyTorch's default (Kaiming-uniform) weight range, biases in ±0.1. */
class CnnBuilder {
  readonly b: GraphBuilder;
  private readonly random: Random;
  private count = 0;

  constructor(name: string, seed: number) {
    this.b = new GraphBuilder(name);
    this.random = new Random(seed);
  }

  conv(x: Value, out: number, kernel: number, options: { stride?: number; groups?: number; act?: 'relu' | 'relu6'; residual?: Value } = {}): Value {
    const channels = x.type.shape[1] as number;
    const groups = options.groups ?? 1;
    const fanIn = (channels / groups) * kernel * kernel;
    const bound = 1 / Math.sqrt(fanIn);
    const id = this.count++;
    const w = this.b.constant(this.random.uniformArray(out * fanIn, -bound, bound), [out, channels / groups, kernel, kernel], `conv${id}.weight`);
    const bias = this.b.constant(this.random.uniformArray(out, -0.1, 0.1), [out], `conv${id}.bias`);
    const pad = Math.floor(kernel / 2);
    const stride = options.stride ?? 1;
    const attrs: Record<string, Attrs[string]> = { strides: [stride, stride], pads: [pad, pad, pad, pad], group: groups };
    let y = this.b.op('conv', [x, w, bias], attrs, `conv${id}`);
    if (options.residual !== undefined) y = this.b.op('add', [y, options.residual], {}, `conv${id}.residual`);
    if (options.act === 'relu') y = this.b.op('relu', [y], {}, `conv${id}.relu`);
    if (options.act === 'relu6') y = this.b.op('clip', [y], { min: 0, max: 6 }, `conv${id}.relu6`);
    return y;
  }

  head(x: Value, classes: number): Value {
    const pooled = this.b.op('reduce_mean', [x], { axes: [2, 3], keepdims: 0 }, 'pool');
    const features = pooled.type.shape[1] as number;
    const bound = 1 / Math.sqrt(features);
    const w = this.b.constant(this.random.uniformArray(classes * features, -bound, bound), [classes, features], 'fc.weight');
    const bias = this.b.constant(this.random.uniformArray(classes, -bound, bound), [classes], 'fc.bias');
    return this.b.linear(pooled, w, bias, undefined, [], 'logits');
  }

  finish(y: Value): Graph {
    this.b.output(y);
    return this.b.build();
  }
}

export function resnet18(): Graph {
  const m = new CnnBuilder('resnet18', 18);
  let x = m.conv(m.b.input('x', ['N', 3, 224, 224]), 64, 7, { stride: 2, act: 'relu' });
  x = m.b.op('max_pool', [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, 'maxpool');
  for (const [width, stride] of [[64, 1], [128, 2], [256, 2], [512, 2]] as const) {
    for (let block = 0; block < 2; block++) {
      const s = block === 0 ? stride : 1;
      const channels = x.type.shape[1] as number;
      const identity = s !== 1 || channels !== width ? m.conv(x, width, 1, { stride: s }) : x;
      const h = m.conv(x, width, 3, { stride: s, act: 'relu' });
      x = m.conv(h, width, 3, { residual: identity, act: 'relu' });
    }
  }
  return m.finish(m.head(x, 1000));
}

export function mobilenetV2(): Graph {
  const m = new CnnBuilder('mobilenet_v2', 2);
  let x = m.conv(m.b.input('x', ['N', 3, 224, 224]), 32, 3, { stride: 2, act: 'relu6' });
  const settings = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]] as const;
  for (const [expand, width, repeats, stride] of settings) {
    for (let i = 0; i < repeats; i++) {
      const channels = x.type.shape[1] as number;
      const s = i === 0 ? stride : 1;
      const hidden = channels * expand;
      let h = expand === 1 ? x : m.conv(x, hidden, 1, { act: 'relu6' });
      h = m.conv(h, hidden, 3, { stride: s, groups: hidden, act: 'relu6' });
      x = m.conv(h, width, 1, s === 1 && channels === width ? { residual: x } : {});
    }
  }
  x = m.conv(x, 1280, 1, { act: 'relu6' });
  return m.finish(m.head(x, 1000));
}

export function lenet(): Graph {
  const m = new CnnBuilder('lenet', 5);
  let x = m.b.input('x', ['N', 1, 28, 28]);
  x = m.conv(x, 6, 5, { act: 'relu' });
  x = m.b.op('max_pool', [x], { kernel_shape: [2, 2], strides: [2, 2] }, 'pool1');
  x = m.b.op('conv', [x, ...convParams(m, 16, 6, 5)], {}, 'conv2');
  x = m.b.op('relu', [x], {}, 'conv2.relu');
  x = m.b.op('max_pool', [x], { kernel_shape: [2, 2], strides: [2, 2] }, 'pool2');
  x = m.b.flatten(x, 1, 'flatten');
  for (const [out, name] of [[120, 'fc1'], [84, 'fc2'], [10, 'logits']] as const) {
    const features = x.type.shape[1] as number;
    const random = new Random(out);
    const bound = 1 / Math.sqrt(features);
    const w = m.b.constant(random.uniformArray(out * features, -bound, bound), [out, features], `${name}.weight`);
    const bias = m.b.constant(random.uniformArray(out, -bound, bound), [out], `${name}.bias`);
    x = m.b.linear(x, w, bias, name === 'logits' ? undefined : { op: 'relu', attrs: {} }, [], name);
  }
  return m.finish(x);
}

function convParams(m: CnnBuilder, out: number, channels: number, kernel: number): Value[] {
  const random = new Random(out * 31 + channels);
  const bound = 1 / Math.sqrt(channels * kernel * kernel);
  return [
    m.b.constant(random.uniformArray(out * channels * kernel * kernel, -bound, bound), [out, channels, kernel, kernel], 'conv2.weight'),
    m.b.constant(random.uniformArray(out, -bound, bound), [out], 'conv2.bias'),
  ];
}

/** One conv + bias + ReLU layer (issue 11's per-layer table). */
function layer(name: string, channels: number, out: number, size: number, kernel: number, stride: number, groups: number): CnnBenchModel {
  return {
    name, input: ['N', channels, size, size], batches: [1],
    build: () => {
      const m = new CnnBuilder(name, channels + out + kernel);
      return m.finish(m.conv(m.b.input('x', ['N', channels, size, size]), out, kernel, { stride, groups, act: 'relu' }));
    },
  };
}

export const CNN_MODELS: readonly CnnBenchModel[] = [
  { name: 'lenet', input: ['N', 1, 28, 28], batches: [1, 32], build: lenet },
  { name: 'mobilenet_v2', input: ['N', 3, 224, 224], batches: [1], build: mobilenetV2 },
  { name: 'resnet18', input: ['N', 3, 224, 224], batches: [1], build: resnet18 },
];

export const CONV_LAYERS: readonly CnnBenchModel[] = [
  layer('conv3x3_64_56', 64, 64, 56, 3, 1, 1),
  layer('conv1x1_64_256_56', 64, 256, 56, 1, 1, 1),
  layer('conv7x7s2_3_64_224', 3, 64, 224, 7, 2, 1),
  layer('dw3x3_32_112', 32, 32, 112, 3, 1, 32),
];

export function modelByName(name: string): CnnBenchModel {
  const model = [...CNN_MODELS, ...CONV_LAYERS].find((m) => m.name === name);
  if (model === undefined) throw new Error(`bench: no CNN model '${name}'`);
  return model;
}
