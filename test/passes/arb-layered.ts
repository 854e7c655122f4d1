// Random layered graphs shaped like the models the passes target (matmul + bias, linear
// with transposed constant weights, every activation of the op table, duplicated branches,
// residual elementwise tails, values with extra readers): the general arbitraries of
// test/arbitraries.ts rarely line these patterns up, so fusion, folding, canonicalization
// and CSE are exercised here on purpose.

import fc from 'fast-check';
import type { Graph } from '../../ir/graph.ts';
import { ACTIVATION_OPS, activationParamCount, OPS } from '../../ir/ops/index.ts';
import { GraphBuilder, type Value } from '../../src/builder.ts';
import { Random } from '../../src/random.ts';

interface Layer {
  readonly form: number;
  readonly width: number;
  readonly activation: number;
  readonly seed: number;
  readonly extraUse: number;
  readonly tail: number;
}

const layerArb: fc.Arbitrary<Layer> = fc.record({
  form: fc.nat({ max: 4 }),
  width: fc.integer({ min: 1, max: 6 }),
  activation: fc.nat({ max: ACTIVATION_OPS.length }),
  seed: fc.nat(),
  extraUse: fc.nat({ max: 3 }),
  tail: fc.nat({ max: 3 }),
});

class LayerBuilder {
  private readonly outputs: Value[] = [];

  constructor(private readonly b: GraphBuilder) {}

  constant(shape: readonly number[], seed: number): Value {
    const count = shape.reduce((n, d) => n * d, 1);
    return this.b.constant(new Random(seed).uniformArray(count, -1, 1), shape);
  }

  /** The pre-activation of one layer in one of several spellings. */
  contraction(x: Value, layer: Layer): Value {
    const inFeatures = Number(x.type.shape[x.type.shape.length - 1]);
    const out = layer.width;
    switch (layer.form) {
      case 0: return this.b.add(this.b.matmul(x, this.constant([inFeatures, out], layer.seed)), this.constant([out], layer.seed + 1));
      case 1: return this.b.add(this.constant([1, out], layer.seed + 1), this.b.matmul(x, this.constant([inFeatures, out], layer.seed)));
      case 2: return this.b.linear(x, this.b.transpose(this.constant([inFeatures, out], layer.seed), [1, 0]), this.constant([out], layer.seed + 1));
      case 3: {
        // The same layer spelled twice with equal constants: CSE merges the branches.
        const left = this.b.linear(x, this.constant([out, inFeatures], layer.seed));
        const right = this.b.linear(x, this.constant([out, inFeatures], layer.seed));
        return this.b.sub(left, this.b.mul(right, this.constant([1], layer.seed + 2)));
      }
      default: return this.b.matmul(x, this.constant([inFeatures, out], layer.seed));
    }
  }

  activate(h: Value, layer: Layer): Value {
    const op = ACTIVATION_OPS[layer.activation];
    if (op === undefined) return h;
    const params: Value[] = [];
    for (let i = 0; i < activationParamCount({ op, attrs: {} }); i++) {
      params.push(this.constant(layer.seed % 2 === 0 ? [1] : [layer.width], layer.seed + 3));
    }
    const attrs = Object.hasOwn(OPS[op].attrs, 'alpha') ? { alpha: 0.5 } : {};
    return this.b.op(op, [h, ...params], attrs);
  }

  layer(x: Value, layer: Layer): Value {
    const pre = this.contraction(x, layer);
    let y = this.activate(pre, layer);
    if (layer.extraUse === 1) this.outputs.push(pre);
    if (layer.extraUse === 2 && y !== pre) y = this.b.add(y, pre);
    if (layer.tail === 1) y = this.b.tanh(this.b.mul(y, this.constant([layer.width], layer.seed + 4)));
    if (layer.tail === 2) y = this.b.dropout(this.b.identity(y));
    return y;
  }

  finish(last: Value): Graph {
    this.b.output(last, ...this.outputs.filter((v) => v.name !== last.name));
    return this.b.build();
  }
}

export function arbLayeredGraph(): fc.Arbitrary<Graph> {
  return fc.record({
    inFeatures: fc.integer({ min: 1, max: 6 }),
    batched: fc.boolean(),
    layers: fc.array(layerArb, { minLength: 1, maxLength: 4 }),
    softmax: fc.boolean(),
  }).map(({ inFeatures, batched, layers, softmax }) => {
    const b = new GraphBuilder('layered');
    const builder = new LayerBuilder(b);
    let x = b.input('x', [batched ? 'N' : 2, inFeatures]);
    for (const layer of layers) x = builder.layer(x, layer);
    return builder.finish(softmax ? b.softmax(x) : x);
  });
}
