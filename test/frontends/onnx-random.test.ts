// Random graphs from the shared arbitraries (every op of the table, hostile names, static
// and symbolic batches) through the ONNX writer: onnxruntime-node computes what the
// interpreter and the JS bundle compute, and importing the file back gives a graph that
// computes the same.

import { describe, it } from 'vitest';
import { renameValue, type Graph } from '../../ir/graph.ts';
import { interpret } from '../../ir/interpret.ts';
import { compile } from '../../src/compile.ts';
import { importOnnx } from '../../src/frontends/onnx/import.ts';
import { writeOnnxModel } from '../../src/frontends/onnx/writer.ts';
import { compareArrays, toleranceFor } from '../../src/tolerance.ts';
import { arbGraphAndFeeds, assertGraphProperty, assertGraphPropertyAsync, KERNEL_OPS } from '../arbitraries.ts';
import { importBundle } from '../codegen/js/load-bundle.ts';
import { outputsAfterNearTies } from './near-tie-comparisons.ts';
import { runOnnxRuntime } from './ort-runner.ts';

/**
 * Every op with a kernel (the JS bundle runs too) but fused_elementwise, whose bodies may
 * hold comparisons that ONNX writes as boolean tensors (Where, Less…), which fusegraph does
 * not import. The CNN ops are checked against onnxruntime in onnx-cnn-random.test.ts.
 */
const ROUND_TRIP_OPS = KERNEL_OPS.filter((op) => op !== 'fused_elementwise');
/**
 * onnxruntime flushes subnormals to zero, which ops that blow small values up make visible:
 * layer_norm scales a row of subnormals to ±1 (0 there), reciprocal and pow with a negative
 * exponent turn a subnormal into a large finite value (±Inf there). They are checked against
 * onnxruntime on real models instead (onnx-seq-writer.test.ts, the ONNX node tests).
 */
const ORT_OPS = ROUND_TRIP_OPS.filter((op) => op !== 'layer_norm' && op !== 'reciprocal' && op !== 'pow');
// Comparisons (equal, less, greater) turn any difference into 0 or 1, so onnxruntime's flush of
// subnormal feeds shows there too: its feeds hold no subnormals.
// For the same reason a comparison of two computed values that the reference puts within the
// tolerance of each other has no answer both sides must share: onnxruntime's tanh (MLAS, a
// rational approximation x·p(x²)/q(x²)) is a few ulp off everywhere, so it never returns x
// for a tiny x where the correctly rounded tanh does (x = 1e-30 gives 9.999999e-31), and at the
// smallest normals its x·p₀ is subnormal and costs ~30 ulp (nothing is flushed: tanh(2^-126) is
// 1.1754983e-38); equal(x, tanh(x)) is then 1 here and 0 there. Outputs downstream of such a
// near tie (near-tie-comparisons.ts) are compared with the JS bundle, which rounds as the
// interpreter does, and not with onnxruntime; the other outputs of the case still are.

function check(graph: Graph, expected: Record<string, Float32Array>, actual: Record<string, Float32Array>, label: string, skip: ReadonlySet<string> = new Set()): void {
  const tolerance = toleranceFor(graph);
  for (const name of graph.outputs) {
    if (skip.has(name)) continue;
    const result = compareArrays(expected[name] ?? new Float32Array(), actual[name] ?? new Float32Array(1).fill(NaN), tolerance);
    if (!result.ok) throw new Error(`${label}: output ${JSON.stringify(name)} differs: ${JSON.stringify(result)}`);
  }
}

describe('ONNX writer and importer on random graphs', () => {
  it('onnxruntime agrees with the interpreter and the JS bundle on the written file', async () => {
    // Edge values stay out: onnxruntime documents no NaN or overflow semantics of its own.
    // fused_elementwise stays out too: ONNX writes its body as one op per step, each rounded
    // to f32, where fusegraph evaluates the whole body in f64, and random bodies can be as
    // ill-conditioned as sqrt(log(1 + 1e-12)).
    const cases = arbGraphAndFeeds({ ops: ORT_OPS, maxWidth: 16, feeds: { edges: false, subnormals: false, batch: { min: 1, max: 4 } } });
    await assertGraphPropertyAsync(cases, async ({ graph, feeds }) => {
      // onnxruntime-node hands results back in a plain object, where "__proto__" cannot be a
      // key: such a value is renamed for this peer only.
      const safe = graph.outputs.concat(graph.inputs.map((v) => v.name)).includes('__proto__') ? renameValue(graph, '__proto__', 'proto_value') : graph;
      const safeFeeds = Object.fromEntries(graph.inputs.map((input, i) => [safe.inputs[i]?.name ?? '', feeds[input.name] ?? new Float32Array()]));
      const { bytes, names } = writeOnnxModel(safe);
      const results = await runOnnxRuntime(bytes, safe, safeFeeds, names);
      const byOriginal = Object.fromEntries(graph.outputs.map((name, i) => [name, results[safe.outputs[i] ?? ''] ?? new Float32Array()]));
      const expected = interpret(graph, feeds);
      const nearTies = outputsAfterNearTies(graph, feeds, toleranceFor(graph));
      check(graph, expected, byOriginal, 'onnxruntime vs interpreter', nearTies);
      const bundle = await importBundle(compile(graph, { target: 'js' }));
      const fromBundle = bundle.run({ ...feeds });
      check(graph, byOriginal, fromBundle, 'onnxruntime vs JS bundle', nearTies);
      check(graph, expected, fromBundle, 'JS bundle vs interpreter (near-tie comparisons)', new Set(graph.outputs.filter((name) => !nearTies.has(name))));
    }, { numRuns: 60 });
  });

  it('import(write(g)) computes what g computes, edge values included', () => {
    assertGraphProperty(arbGraphAndFeeds({ ops: ROUND_TRIP_OPS, maxWidth: 16 }), ({ graph, feeds }) => {
      const { bytes, names } = writeOnnxModel(graph);
      const back = importOnnx(bytes);
      const renamed = (record: Record<string, Float32Array>, to: (name: string) => string): Record<string, Float32Array> =>
        Object.fromEntries(graph.outputs.map((name) => [name, record[to(name)] ?? new Float32Array()]));
      const backFeeds = Object.fromEntries(Object.entries(feeds).map(([name, data]) => [names.get(name) ?? name, data]));
      check(graph, interpret(graph, feeds), renamed(interpret(back, backFeeds), (name) => names.get(name) ?? name), 'round trip');
    }, { numRuns: 80 });
  });
});
