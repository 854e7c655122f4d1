// Small random CNN graphs for the backends' kernel tests: one windowed or region op (conv,
// conv_transpose, pooling, reduce_*, concat, slice, pad, resize) on an NCHW or NCL input with
// random but valid geometry, built through GraphBuilder (so the shape rules validate them),
// and deterministic feeds. Each target checks its bundle against the interpreter on these.

import fc from 'fast-check';
import type { Graph } from '../../ir/graph.ts';
import type { Feeds } from '../../ir/interpret.ts';
import { ACTIVATION_OPS, type Attrs, type OpName } from '../../ir/ops/index.ts';
import { CompileError } from '../../ir/errors.ts';
import { GraphBuilder, type Value } from '../../src/builder.ts';
import { Random } from '../../src/random.ts';

export interface CnnCase {
  readonly graph: Graph;
  readonly feeds: Feeds;
  readonly describe: string;
}

interface Spec {
  readonly op: OpName;
  readonly spatial: number[];
  readonly channels: number;
  readonly batch: number;
  readonly symbolic: boolean;
  readonly attrs: Attrs;
  /** conv: output channels, groups, bias, activation, residual. */
  readonly conv?: { out: number; groups: number; kernel: number[]; bias: boolean; activation: string | undefined; residual: boolean };
  readonly seed: number;
}

function weights(random: Random, count: number): Float32Array {
  return random.uniformArray(count, -1, 1);
}

/** Values that stress padding and combines: NaN, ±Inf, -0, huge magnitudes. */
const EDGE_VALUES = [NaN, Infinity, -Infinity, -0, 1e30, -1e30];

/** Overwrites a few elements of each feed with edge values (deterministically). */
export function withEdgeValues(feeds: Feeds, seed: number): Feeds {
  const random = new Random(seed);
  return Object.fromEntries(Object.entries(feeds).map(([name, data]) => {
    const copy = Float32Array.from(data);
    for (let k = 0; k < Math.max(1, copy.length >> 4); k++) {
      copy[Math.floor(random.next() * copy.length)] = EDGE_VALUES[Math.floor(random.next() * EDGE_VALUES.length)] ?? NaN;
    }
    return [name, copy];
  }));
}

/** Builds the graph of a spec, or undefined when its geometry is invalid (caught by the shape rules). */
export function buildCase(spec: Spec): CnnCase | undefined {
  const random = new Random(spec.seed);
  const b = new GraphBuilder(`cnn_${spec.op}`);
  const shape = [spec.symbolic ? 'N' : spec.batch, spec.channels, ...spec.spatial];
  try {
    const x = b.input('x', shape);
    let y: Value;
    const conv = spec.conv;
    if ((spec.op === 'conv' || spec.op === 'conv_transpose') && conv !== undefined) {
      const wShape = spec.op === 'conv'
        ? [conv.out, spec.channels / conv.groups, ...conv.kernel]
        : [spec.channels, conv.out / conv.groups, ...conv.kernel];
      const w = b.constant(weights(random, wShape.reduce((n, d) => n * d, 1)), wShape, 'w');
      const inputs: Value[] = [x, w];
      if (conv.bias) inputs.push(b.constant(weights(random, conv.out), [conv.out], 'b'));
      const attrs: Record<string, Attrs[string]> = { ...spec.attrs };
      if (spec.op === 'conv' && conv.residual) {
        // The residual has the output's shape: build the conv once to learn it.
        const probe = new GraphBuilder('probe').op('conv', [new GraphBuilder('p').input('x', shape), ...inputs.slice(1)], { ...spec.attrs });
        const r = b.input('r', probe.type.shape);
        inputs.push(r);
        attrs['residual'] = 1;
      }
      if (spec.op === 'conv' && conv.activation !== undefined) {
        attrs['activation'] = { op: conv.activation, attrs: {} };
        if (conv.activation === 'prelu') inputs.push(b.constant(weights(random, conv.out), [conv.out], 'slope'));
      }
      y = b.op(spec.op, inputs, attrs, 'y');
    } else if (spec.op === 'concat') {
      const other = b.input('z', [shape[0] ?? 1, spec.channels + 1, ...spec.spatial]);
      y = b.op('concat', [x, other, x], spec.attrs, 'y');
    } else {
      y = b.op(spec.op, [x], spec.attrs, 'y');
    }
    b.output(y);
    const graph = b.build();
    const batch = spec.symbolic ? spec.batch : 1;
    const feeds: Feeds = Object.fromEntries(graph.inputs.map((input) => {
      const count = input.type.shape.reduce<number>((n, d) => n * (typeof d === 'number' ? d : batch), 1);
      return [input.name, random.uniformArray(count, -3, 3)];
    }));
    return { graph, feeds, describe: `${spec.op} x${JSON.stringify(shape)} ${JSON.stringify(spec.attrs)} ${JSON.stringify(conv ?? {})}` };
  } catch (error) {
    if (error instanceof CompileError) return undefined;
    throw error;
  }
}

const smallInts = (min: number, max: number, length: number): fc.Arbitrary<number[]> =>
  fc.array(fc.integer({ min, max }), { minLength: length, maxLength: length });

function arbSpec(op: OpName): fc.Arbitrary<Spec> {
  return fc.integer({ min: 1, max: 2 }).chain((rank) => fc.record({
    op: fc.constant(op),
    spatial: smallInts(1, 9, rank),
    channels: fc.integer({ min: 1, max: 4 }),
    batch: fc.integer({ min: 1, max: 3 }),
    symbolic: fc.boolean(),
    seed: fc.integer({ min: 0, max: 1 << 20 }),
    attrs: attrsFor(op, rank),
    conv: fc.record({
      out: fc.integer({ min: 1, max: 4 }),
      groups: fc.integer({ min: 1, max: 2 }),
      kernel: smallInts(1, 4, rank),
      bias: fc.boolean(),
      activation: fc.option(fc.constantFrom(...ACTIVATION_OPS), { nil: undefined }),
      residual: fc.boolean(),
    }),
  }));
}

function attrsFor(op: OpName, rank: number): fc.Arbitrary<Attrs> {
  const window = {
    strides: smallInts(1, 3, rank),
    pads: smallInts(0, 2, 2 * rank),
    dilations: smallInts(1, 2, rank),
  };
  switch (op) {
    case 'conv': return fc.record({ ...window });
    case 'conv_transpose': return fc.record({ ...window, output_padding: smallInts(0, 1, rank) });
    case 'max_pool': return fc.record({ kernel_shape: smallInts(1, 3, rank), ...window, ceil_mode: fc.integer({ min: 0, max: 1 }) });
    case 'avg_pool': return fc.record({
      kernel_shape: smallInts(1, 3, rank), strides: window.strides, pads: window.pads,
      ceil_mode: fc.integer({ min: 0, max: 1 }), count_include_pad: fc.integer({ min: 0, max: 1 }),
    });
    case 'reduce_sum': case 'reduce_mean': case 'reduce_max': case 'reduce_min':
      return fc.record({ axes: fc.subarray([1, 2, 3].slice(0, rank + 1), { minLength: 1 }), keepdims: fc.integer({ min: 0, max: 1 }) });
    case 'concat': return fc.record({ axis: fc.constant(1) });
    case 'slice': return fc.record({
      starts: fc.tuple(fc.integer({ min: -9, max: 9 })), ends: fc.tuple(fc.integer({ min: -12, max: 12 })),
      axes: fc.constant([2]), steps: fc.tuple(fc.constantFrom(-2, -1, 1, 2, 3)),
    });
    case 'pad': return fc.record({
      pads: fc.tuple(smallInts(0, 2, rank)).map(([p]) => [0, 0, ...p, 0, 0, ...p.map((v) => (v + 1) % 3)]),
      mode: fc.constantFrom('constant', 'reflect', 'edge'), value: fc.double({ min: -2, max: 2, noNaN: true }),
    });
    case 'resize': return fc.record({
      sizes: smallInts(1, 13, rank), mode: fc.constantFrom('nearest', 'linear'),
      coordinate_transformation_mode: fc.constantFrom('half_pixel', 'asymmetric', 'align_corners', 'pytorch_half_pixel'),
      nearest_mode: fc.constantFrom('round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'),
    });
    default: throw new Error(`cnn-cases: no spec for ${op}`);
  }
}

export const CNN_OPS: readonly OpName[] = [
  'conv', 'conv_transpose', 'max_pool', 'avg_pool', 'reduce_sum', 'reduce_mean', 'reduce_max', 'reduce_min',
  'concat', 'slice', 'pad', 'resize',
];

/** Random valid cases of `op` (invalid geometries are filtered out). */
export function arbCnnCase(op: OpName): fc.Arbitrary<CnnCase> {
  return arbSpec(op).map(buildCase).filter((c): c is CnnCase => c !== undefined);
}
