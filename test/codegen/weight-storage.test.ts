// --weights-dtype f16|bf16: the narrowing (compile time) and the bundles' widening (load
// time) agree bit for bit over every f16/bf16 value, round to nearest even, and the bundles
// of all three targets stay within the stated error budget of the f32 model.

import { describe, expect, it } from 'vitest';
import { UNIT_ROUNDOFF, f32BitsToBf16, f32BitsToF16, storeWeights, widenWeightsSource, type WeightsDtype } from '../../codegen/weight-storage.ts';
import type { Graph } from '../../ir/graph.ts';
import { interpret, type Feeds } from '../../ir/interpret.ts';
import { isTensorData } from '../../ir/ops/attrs.ts';
import { compile, type TargetName } from '../../src/compile.ts';
import { linear, relu, sequential, toGraph } from '../../src/nn.ts';
import { Random } from '../../src/random.ts';
import { compareArrays, toleranceFor } from '../../src/tolerance.ts';
import { gpuDevice } from '../support/webgpu.ts';
import { importBundle } from './js/load-bundle.ts';

const widen = (dtype: WeightsDtype): ((bytes: Uint8Array) => Uint8Array) =>
  new Function(`${widenWeightsSource(dtype)}\nreturn widenWeights;`)() as (bytes: Uint8Array) => Uint8Array;

const f32Bits = (value: number): number => new Uint32Array(Float32Array.of(value).buffer)[0] ?? 0;
const f32Of = (bits: number): number => new Float32Array(Uint32Array.of(bits).buffer)[0] ?? NaN;

/** Every 16-bit pattern, little-endian. */
function allPatterns(): Uint8Array {
  const bytes = new Uint8Array(65536 * 2);
  const view = new DataView(bytes.buffer);
  for (let h = 0; h < 65536; h++) view.setUint16(h * 2, h, true);
  return bytes;
}

/** The f16 value of a bit pattern, by the IEEE 754 formula. */
function f16Value(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

describe('weight storage', () => {
  for (const dtype of ['f16', 'bf16'] as const) {
    it(`${dtype}: widening then narrowing is the identity on every non-NaN ${dtype} value`, () => {
      const wide = widen(dtype)(allPatterns());
      const floats = new DataView(wide.buffer);
      const narrow = dtype === 'f16' ? f32BitsToF16 : f32BitsToBf16;
      for (let h = 0; h < 65536; h++) {
        const bits = floats.getUint32(h * 4, true);
        const value = f32Of(bits);
        const expected = dtype === 'f16' ? f16Value(h) : f32Of(h << 16);
        if (Number.isNaN(expected)) {
          expect(Number.isNaN(value)).toBe(true);
          continue;
        }
        if (value !== expected || narrow(bits) !== h) throw new Error(`${dtype} pattern ${h.toString(16)}: widened ${value}, expected ${expected}`);
      }
    });
  }

  it('rounds to nearest, ties to even, and overflows f16 to infinity', () => {
    expect(f32BitsToF16(f32Bits(1 + 2 ** -11))).toBe(0x3c00); // tie → even (1.0)
    expect(f32BitsToF16(f32Bits(1 + 3 * 2 ** -11))).toBe(0x3c02); // tie → even (1 + 2^-9)
    expect(f32BitsToF16(f32Bits(65504))).toBe(0x7bff);
    expect(f32BitsToF16(f32Bits(65520))).toBe(0x7c00);
    expect(f32BitsToF16(f32Bits(2 ** -25))).toBe(0); // half the smallest subnormal: tie → 0
    expect(f32BitsToF16(f32Bits(1.5 * 2 ** -25))).toBe(1);
    expect(f32BitsToBf16(f32Bits(1 + 2 ** -8))).toBe(0x3f80);
    expect(f32BitsToBf16(f32Bits(1 + 3 * 2 ** -8))).toBe(0x3f82);
  });

  it('keeps each weight within the unit roundoff (relative) in the normal range', () => {
    const random = new Random(3);
    const values = Float32Array.from({ length: 20000 }, () => (random.uniform(-1, 1) < 0 ? -1 : 1) * 10 ** random.uniform(-4, 4));
    const image = new Uint8Array(values.buffer);
    for (const dtype of ['f16', 'bf16'] as const) {
      const back = new Float32Array(widen(dtype)(storeWeights(image, dtype)).buffer);
      let worst = 0;
      values.forEach((v, i) => { worst = Math.max(worst, Math.abs((back[i] ?? NaN) - v) / Math.abs(v)); });
      expect(worst).toBeLessThanOrEqual(UNIT_ROUNDOFF[dtype]);
      expect(worst).toBeGreaterThan(UNIT_ROUNDOFF[dtype] / 2);
    }
  });
});

/** The graph with every constant mapped through `f`. */
function mapConstants(graph: Graph, f: (data: Float32Array) => Float32Array): Graph {
  return {
    ...graph,
    nodes: graph.nodes.map((node) => {
      const value = node.attrs['value'];
      return node.op === 'const' && isTensorData(value) ? { ...node, attrs: { ...node.attrs, value: { ...value, data: f(value.data) } } } : node;
    }),
  };
}

const rounded = (dtype: WeightsDtype) => (data: Float32Array): Float32Array =>
  new Float32Array(widen(dtype)(storeWeights(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), dtype)).buffer);

describe('bundles with f16 and bf16 weights', () => {
  // A ReLU MLP: every linear layer's error is at most u·Σ|w||x| (+ u|b|) and ReLU does not
  // amplify it, so per output the error is at most L·u times the same network run on |weights|
  // and |x| (L = 2 layers), plus second-order terms: the budget README.md states.
  const graph = toGraph(sequential(linear(64, 32), relu(), linear(32, 10)), { name: 'mlp', inputShape: ['N', 64], seed: 5 });
  const x = new Random(9).uniformArray(4 * 64, -2, 2);
  const reference = interpret(graph, { x })[graph.outputs[0] ?? ''] ?? new Float32Array();
  const scale = interpret(mapConstants(graph, (d) => d.map(Math.abs)), { x: x.map(Math.abs) })[graph.outputs[0] ?? ''] ?? new Float32Array();

  async function runBundle(target: TargetName, dtype: WeightsDtype, weights: 'embed' | 'external', feeds: Feeds): Promise<Float32Array> {
    const bundle = compile(graph, { target, weightsDtype: dtype, weights });
    const module = await importBundle(bundle);
    const options = target === 'wgsl' ? { device: (await gpuDevice()).device } : {};
    const session = await module.load(options);
    try {
      return (await session.run(feeds))[graph.outputs[0] ?? ''] ?? new Float32Array();
    } finally {
      session.dispose();
    }
  }

  for (const target of ['js', 'wasm', 'wgsl'] as const) {
    for (const dtype of ['f16', 'bf16'] as const) {
      it(`${target}, ${dtype}: half the weight bytes, equal to the model with rounded weights, within L·u·|W||x| of f32`, async () => {
        const f32 = compile(graph, { target, weights: 'external' });
        const half = compile(graph, { target, weights: 'external', weightsDtype: dtype });
        expect(half.weightBytes).toBe(f32.weightBytes / 2);
        const exact = interpret(mapConstants(graph, rounded(dtype)), { x })[graph.outputs[0] ?? ''] ?? new Float32Array();
        for (const weights of ['embed', 'external'] as const) {
          const actual = await runBundle(target, dtype, weights, { x });
          expect(compareArrays(exact, actual, toleranceFor(graph)).ok).toBe(true);
          const budget = 2 * UNIT_ROUNDOFF[dtype] * 1.01;
          actual.forEach((v, i) => {
            const error = Math.abs(v - (reference[i] ?? NaN));
            if (!(error <= budget * (scale[i] ?? 0) + 1e-6)) throw new Error(`output ${i}: error ${error} over the budget ${budget * (scale[i] ?? 0)}`);
          });
        }
      });
    }
  }
});
