// The optional-feature shader variants: the subgroup reductions (softmax, wide reduce) and the
// f16 inner products (linear, matmul, conv as GEMM) compile cleanly on random and chosen graphs
// (Dawn's null backend); on an adapter with `subgroups` (SwiftShader has it) the subgroup
// reductions give the interpreter's results like the portable shaders do; a bundle compiled
// with wgsl.f16 falls back to its f32 kernels, with the reason, on a device without
// shader-f16 (SwiftShader), and stays within its error budget on one that has it.

import { describe, expect, it } from 'vitest';
import type { Graph } from '../../ir/graph.ts';
import { interpret, type Feeds } from '../../ir/interpret.ts';
import { wgslProgram } from '../../codegen/wgsl/target.ts';
import { GraphBuilder } from '../../src/builder.ts';
import { compile } from '../../src/compile.ts';
import seedMlp from '../../examples/seed-mlp.ts';
import { importBundle } from '../codegen/js/load-bundle.ts';
import { Random } from '../../src/random.ts';
import { compareArrays, toleranceForF32Sums } from '../../src/tolerance.ts';
import { arbGraph, assertGraphPropertyAsync, KERNEL_OPS } from '../arbitraries.ts';
import { compilationMessages, deviceWithFeatures, gpuDevice, validationDevice } from '../support/webgpu.ts';
import { loadWgsl, prepared } from './run-wgsl.ts';

/** Every shader and every variant of the graph's bundle compiles without errors or warnings. */
async function checkVariants(device: GPUDevice, graph: Graph, variant: 'unoptimized' | 'O2'): Promise<number> {
  const target = prepared(graph, variant);
  let variants = 0;
  for (const shader of wgslProgram(target.graph, target.plan).shaders) {
    for (const code of [shader.code, shader.variants?.subgroups, shader.variants?.f16]) {
      if (code === undefined) continue;
      if (code !== shader.code) variants += 1;
      const messages = await compilationMessages(device, code);
      if (messages.length > 0) throw new Error(`a shader does not compile cleanly:\n${messages.join('\n')}\n${code}`);
    }
  }
  return variants;
}

/** Softmax over long and short rows (inner 1 and 3) and the four wide reductions. */
function reductions(): Graph {
  const b = new GraphBuilder('reductions');
  const x = b.input('x', ['N', 3, 300]);
  const y = b.input('y', ['N', 300, 3]);
  const z = b.input('z', ['N', 2, 7]);
  b.output(
    b.softmax(x, -1, 'rows'),
    b.softmax(y, 1, 'columns'),
    b.softmax(z, -1, 'short'),
    b.reduceSum(x, [2], true, 'sum'),
    b.reduceMean(y, [1], false, 'mean'),
    b.reduceMax(x, [2], false, 'max'),
    b.reduceMin(y, [1], true, 'min'),
  );
  return b.build();
}

function feedsOf(batch: number): Feeds {
  const random = new Random(batch + 11);
  return { x: random.uniformArray(batch * 900, -4, 4), y: random.uniformArray(batch * 900, -4, 4), z: random.uniformArray(batch * 14, -4, 4) };
}

/** The session's results at batch 1 and 3 agree with the interpreter's within f32 sums' error. */
async function agreesAtBatches(graph: Graph, session: { run(feeds: Feeds): Promise<Record<string, Float32Array>> }, feedsAt: (batch: number) => Feeds): Promise<void> {
  for (const batch of [1, 3]) {
    const feeds = feedsAt(batch);
    const expected = interpret(graph, feeds);
    const actual = await session.run(feeds);
    for (const name of graph.outputs) {
      const comparison = compareArrays(expected[name] ?? new Float32Array(), actual[name] ?? new Float32Array(), toleranceForF32Sums(graph, feeds));
      expect(comparison.ok, `batch ${batch}, ${name}: ${JSON.stringify(comparison)}`).toBe(true);
    }
  }
}

async function agreesOn(device: GPUDevice, graph: Graph, expectSubgroups: boolean): Promise<void> {
  const target = prepared(graph, 'O2');
  const session = await loadWgsl(target.graph, target.plan, 3, device);
  try {
    expect((session as unknown as { features: { subgroups: boolean } }).features.subgroups).toBe(expectSubgroups);
    await agreesAtBatches(graph, session, feedsOf);
  } finally {
    session.dispose();
  }
}

/** A linear layer, a matmul with an odd k and a conv through the GEMM shader; `abs`: |weights|. */
function products(abs: boolean): Graph {
  const random = new Random(5);
  const weights = (count: number): Float32Array => random.uniformArray(count, -1, 1).map((v) => (abs ? Math.abs(v) : v));
  const b = new GraphBuilder('products');
  const x = b.input('x', ['N', 40]);
  const q = b.input('q', ['N', 5, 13]);
  const c = b.input('c', ['N', 3, 6, 6]);
  b.output(
    b.linear(x, b.constant(weights(24 * 40), [24, 40]), undefined, undefined, [], 'lin'),
    b.matmul(q, b.input('k', ['N', 13, 7]), 'mm'),
    b.conv(c, b.constant(weights(8 * 27), [8, 3, 3, 3]), { pads: [1, 1, 1, 1] }, 'cv'),
  );
  return b.build();
}

function productFeeds(batch: number, abs: boolean): Feeds {
  const random = new Random(batch + 3);
  const values = (count: number): Float32Array => random.uniformArray(count, -2, 2).map((v) => (abs ? Math.abs(v) : v));
  return { x: values(batch * 40), q: values(batch * 65), k: values(batch * 91), c: values(batch * 108) };
}

interface F16Session {
  readonly features: { readonly f16: boolean; readonly f16Fallback: string | null };
  run(feeds: Feeds): Promise<Record<string, Float32Array>>;
  dispose(): void;
}

async function loadProducts(graph: Graph, device: GPUDevice, f16: boolean): Promise<F16Session> {
  const module = (await importBundle(compile(graph, { target: 'wgsl', wgsl: { f16 } }))) as unknown as { load(o: object): Promise<F16Session> };
  return module.load({ device, maxBatch: 3 });
}

describe('WGSL shader variants', () => {
  it('compile cleanly on random graphs and on the reductions that have them', async () => {
    const device = await validationDevice();
    expect(device.features.has('subgroups')).toBe(true);
    expect(device.features.has('shader-f16')).toBe(true);
    expect(await checkVariants(device, reductions(), 'O2')).toBeGreaterThanOrEqual(7);
    expect(await checkVariants(device, products(false), 'O2')).toBe(3);
    expect(await checkVariants(device, products(false), 'unoptimized')).toBe(3);
    await assertGraphPropertyAsync(arbGraph({ ops: KERNEL_OPS }), async (graph) => {
      await checkVariants(device, graph, 'O2');
    }, { numRuns: 60 });
  });

  it('subgroup reductions agree with the interpreter where the adapter has subgroups', async () => {
    const graph = reductions();
    const device = await deviceWithFeatures(['subgroups']);
    if (device === undefined) {
      process.stderr.write(`skipped: ${(await gpuDevice()).description} has no subgroups feature\n`);
      return;
    }
    await agreesOn(device, graph, true);
    device.destroy();
    // The test device has no optional features: the portable shaders.
    await agreesOn((await gpuDevice()).device, graph, false);
  });

  it('wgsl.f16 falls back to the f32 kernels on a device without shader-f16, saying why', async () => {
    const { device } = await gpuDevice();
    const plain = await loadProducts(seedMlp, device, false);
    const half = await loadProducts(seedMlp, device, true);
    try {
      expect(plain.features.f16Fallback).toBeNull();
      const x = new Random(2).uniformArray(2 * 784, 0, 1);
      const [a, b] = [await plain.run({ x }), await half.run({ x })];
      if (device.features.has('shader-f16')) return;
      expect(half.features.f16).toBe(false);
      expect(half.features.f16Fallback).toMatch(/lacks the shader-f16 feature/);
      expect(Array.from(b.logits ?? [])).toEqual(Array.from(a.logits ?? []));
    } finally {
      plain.dispose();
      half.dispose();
    }
  });

  it('f16 variants index their operands right (run with f16 spelled f32 on a device that claims shader-f16)', async () => {
    const { device } = await gpuDevice();
    let emulated = 0;
    // The variant's structure (vec4 lanes, tile layout, odd-k remainder) in f32 arithmetic.
    const asF32 = (code: string): string => {
      if (!code.includes('enable f16;')) return code;
      emulated += 1;
      const text = code.replace('enable f16;', '').replace(/vec4<f16>/g, 'vec4<f32>').replace(/array<f16,/g, 'array<f32,').replace(/\bf16\(/g, 'f32(');
      expect(text).not.toMatch(/\bf16\b/);
      return text;
    };
    const claiming = new Proxy(device, {
      get(target, key) {
        if (key === 'features') return { has: (name: string) => name === 'shader-f16' || target.features.has(name) };
        if (key === 'createShaderModule') return (descriptor: GPUShaderModuleDescriptor) => target.createShaderModule({ ...descriptor, code: asF32(descriptor.code) });
        const value: unknown = Reflect.get(target, key);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const graph = products(false);
    const session = await loadProducts(graph, claiming, true);
    try {
      expect(session.features.f16).toBe(true);
      expect(emulated).toBe(3);
      await agreesAtBatches(graph, session, (batch) => productFeeds(batch, false));
    } finally {
      session.dispose();
    }
  });

  it('f16 inner products stay within 2^-8·Σ|x·w| of the interpreter where the adapter has shader-f16', async () => {
    const device = await deviceWithFeatures(['shader-f16']);
    if (device === undefined) {
      // SwiftShader (Dawn 0.6.2) has no shader-f16: the variants are only validated above.
      process.stderr.write(`skipped: ${(await gpuDevice()).description} has no shader-f16 feature\n`);
      return;
    }
    const graph = products(false);
    const session = await loadProducts(graph, device, true);
    try {
      expect(session.features.f16).toBe(true);
      for (const batch of [1, 3]) {
        const expected = interpret(graph, productFeeds(batch, false));
        // Σ|x_k·w_k| per output: the same graph on |x| and |w|.
        const magnitude = interpret(products(true), productFeeds(batch, true));
        const actual = await session.run(productFeeds(batch, false));
        for (const name of graph.outputs) {
          const [e, m, a] = [expected[name] ?? new Float32Array(), magnitude[name] ?? new Float32Array(), actual[name] ?? new Float32Array()];
          expect(a.length).toBe(e.length);
          e.forEach((value, i) => {
            const bound = 2 ** -8 * (m[i] ?? 0) + 1e-5 * (1 + Math.abs(value));
            expect(Math.abs((a[i] ?? NaN) - value), `${name}[${i}] at batch ${batch}`).toBeLessThanOrEqual(bound);
          });
        }
      }
    } finally {
      session.dispose();
      device.destroy();
    }
  });
});
