// Random chains of CNN blocks shaped like the models the conv passes target: conv (1-D or
// 2-D, groups, bias or not) → BatchNorm as per-channel mul/add in every spelling → residual
// shortcut → activation (per-channel PReLU included), with values that have extra readers
// (which must block fusion). The general arbitraries almost never line these up.

import fc from 'fast-check';
import type { Graph } from '../../ir/graph.ts';
import type { Attrs, OpName } from '../../ir/ops/index.ts';
import { GraphBuilder, type Value } from '../../src/builder.ts';
import { Random } from '../../src/random.ts';

export interface Block {
  readonly kernel: number;
  readonly depthwise: boolean;
  readonly bias: boolean;
  readonly channels: number;
  /** 0 none; 1 mul then add by [M,1,1]; 2 the same commuted, [1,M,1,1]; 3 add only; 4 scalar mul. */
  readonly norm: number;
  /** 0 none; 1 add(h, x); 2 add(x, h) (the block then keeps the channels and the size). */
  readonly residual: number;
  /** 0 none; 1 relu; 2 clip(0, 6); 3 hard_swish; 4 per-channel prelu; 5 leaky_relu. */
  readonly activation: number;
  /** 0 none; 1 the conv's value is also returned; 2 the normalized value is also returned. */
  readonly extraUse: number;
  readonly seed: number;
}

const blockArb: fc.Arbitrary<Block> = fc.record({
  kernel: fc.constantFrom(1, 3),
  depthwise: fc.boolean(),
  bias: fc.boolean(),
  channels: fc.integer({ min: 1, max: 4 }),
  norm: fc.nat({ max: 4 }),
  residual: fc.nat({ max: 2 }),
  activation: fc.nat({ max: 5 }),
  extraUse: fc.nat({ max: 4 }),
  seed: fc.nat(),
});

class BlockBuilder {
  readonly extraOutputs: Value[] = [];
  constructor(private readonly b: GraphBuilder) {}

  constant(shape: readonly number[], seed: number, low = -1, high = 1): Value {
    const count = shape.reduce((n, d) => n * d, 1);
    return this.b.constant(new Random(seed).uniformArray(count, low, high), shape);
  }

  private activation(block: Block, channels: number): { op: OpName; attrs: Attrs; params: Value[] } | undefined {
    switch (block.activation) {
      case 1: return { op: 'relu', attrs: {}, params: [] };
      case 2: return { op: 'clip', attrs: { min: 0, max: 6 }, params: [] };
      case 3: return { op: 'hard_swish', attrs: {}, params: [] };
      case 4: return { op: 'prelu', attrs: {}, params: [this.constant([channels], block.seed + 5, 0, 0.5)] };
      case 5: return { op: 'leaky_relu', attrs: { alpha: 0.1 }, params: [] };
      default: return undefined;
    }
  }

  block(x: Value, block: Block): Value {
    const spatial = x.type.shape.slice(2) as number[];
    const inChannels = x.type.shape[1] as number;
    const keep = block.residual !== 0;
    const group = block.depthwise ? inChannels : 1;
    const out = keep || block.depthwise ? inChannels : block.channels;
    const k = block.kernel;
    const ones = (n: number): number[] => spatial.map(() => n);
    const w = this.constant([out, inChannels / group, ...ones(k)], block.seed, -0.6, 0.6);
    const bias = block.bias ? this.constant([out], block.seed + 1) : undefined;
    const h = this.b.conv(x, w, { pads: ones((k - 1) / 2).concat(ones((k - 1) / 2)), group, ...(bias ? { bias } : {}) });
    if (block.extraUse === 1) this.extraOutputs.push(h);
    const perChannel = (seed: number, leading: boolean, low: number, high: number): Value =>
      this.constant([...(leading ? [1] : []), out, ...ones(1)], seed, low, high);
    let y = h;
    switch (block.norm) {
      case 1: y = this.b.add(this.b.mul(y, perChannel(block.seed + 2, false, 0.5, 1.5)), perChannel(block.seed + 3, false, -1, 1)); break;
      case 2: y = this.b.add(perChannel(block.seed + 3, true, -1, 1), this.b.mul(perChannel(block.seed + 2, true, 0.5, 1.5), y)); break;
      case 3: y = this.b.add(y, perChannel(block.seed + 3, false, -1, 1)); break;
      case 4: y = this.b.mul(y, this.constant([1], block.seed + 2, 0.5, 1.5)); break;
    }
    if (block.extraUse === 2 && y !== h) this.extraOutputs.push(y);
    if (block.residual === 1) y = this.b.add(y, x);
    if (block.residual === 2) y = this.b.add(x, y);
    const act = this.activation(block, out);
    return act === undefined ? y : this.b.op(act.op, [y, ...act.params], act.attrs);
  }
}

/** Graphs of 1 to 3 conv blocks on [N or 2, C, H, W] or [N or 2, C, L] inputs. */
export function arbConvBlockGraph(): fc.Arbitrary<Graph> {
  return fc.record({
    channels: fc.integer({ min: 1, max: 3 }),
    size: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 2 }),
    batched: fc.boolean(),
    blocks: fc.array(blockArb, { minLength: 1, maxLength: 3 }),
  }).map(({ channels, size, batched, blocks }) => {
    const b = new GraphBuilder('blocks');
    const builder = new BlockBuilder(b);
    let x = b.input('x', [batched ? 'N' : 2, channels, ...size]);
    for (const block of blocks) x = builder.block(x, block);
    b.output(x, ...builder.extraOutputs.filter((v) => v.name !== x.name));
    return b.build();
  });
}
