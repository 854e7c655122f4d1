// The interpreter's CNN ops against onnxruntime-node: random conv / conv_transpose / pool /
// reduce / concat / slice / pad / resize / clip / hard_* graphs from the shared arbitraries
// (1-D and 2-D, odd sizes, groups, fused activations and residuals, static and symbolic
// batches), written with writeOnnx at several opsets, must compute what the interpreter
// computes. And the writer spells fused conv epilogues and opset-dependent forms as ONNX does.

import { describe, expect, it } from 'vitest';
import { renameValue, type Graph } from '../../ir/graph.ts';
import { interpret } from '../../ir/interpret.ts';
import { intsAttr, type OpName } from '../../ir/ops/index.ts';
import { GraphBuilder } from '../../src/builder.ts';
import { decodeModel } from '../../src/frontends/onnx/proto.ts';
import { writeOnnx, writeOnnxModel } from '../../src/frontends/onnx/writer.ts';
import { compareArrays, toleranceFor, type Tolerance } from '../../src/tolerance.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { arbFeeds, arbGraphAndFeeds, assertGraphPropertyAsync, CNN_OPS } from '../arbitraries.ts';
import { arbConvBlockGraph } from '../passes/arb-conv-blocks.ts';
import { runOnnxRuntime } from './ort-runner.ts';

/**
 * onnxruntime sums convolutions and reductions in f32 (the interpreter in f64) and takes a
 * resize's scale out/in as an f32 (the interpreter as an f64), so results differ by rounding
 * even where toleranceFor expects exact equality (resize is a layout op).
 */
function tolerance(graph: Graph): Tolerance {
  const own = toleranceFor(graph);
  return { abs: Math.max(own.abs, 1e-5), rel: Math.max(own.rel, 1e-4) };
}

const OPS: readonly OpName[] = [...CNN_OPS, 'relu', 'add', 'mul'];

/**
 * Whether a ceil_mode pool of the graph drops a last window that would start in the end
 * padding (PyTorch's rule, which the interpreter and onnxruntime's kernels follow). onnx's
 * shape inference keeps that window, so a broadcasting node after it can fail to load in
 * onnxruntime; such graphs are checked with the pool as the output instead (below).
 */
function dropsCeilWindow(graph: Graph): boolean {
  const types = new Map([...graph.inputs, ...graph.nodes].map((v) => [v.name, v.type.shape]));
  return graph.nodes.some((node) => {
    if ((node.op !== 'max_pool' && node.op !== 'avg_pool') || node.attrs['ceil_mode'] !== 1) return false;
    const input = types.get(node.inputs[0] ?? '') ?? [];
    const kernel = intsAttr(node.attrs, 'kernel_shape');
    const rank = kernel.length;
    const pads = intsAttr(node.attrs, 'pads');
    const strides = intsAttr(node.attrs, 'strides');
    const dilations = node.op === 'max_pool' ? intsAttr(node.attrs, 'dilations') : [];
    return kernel.some((k, axis) => {
      const padded = (input[axis + 2] as number) + (pads[axis] ?? 0) + (pads[axis + rank] ?? 0);
      const span = (dilations[axis] ?? 1) * (k - 1) + 1;
      return Math.ceil((padded - span) / (strides[axis] ?? 1)) + 1 !== node.type.shape[axis + 2];
    });
  });
}
const OPSETS = [13, 17, 18, 21] as const;

describe('onnxruntime vs the interpreter on random CNN graphs', () => {
  it('agrees on every window, reduction, region and resize form', async () => {
    // Ordinary values only: onnxruntime documents no NaN or overflow semantics of its own.
    const cases = arbGraphAndFeeds({ images: true, ops: OPS, maxNodes: 5, feeds: { edges: false, batch: { min: 1, max: 3 } } })
      .filter(({ graph }) => !dropsCeilWindow(graph));
    let run = 0;
    await assertGraphPropertyAsync(cases, async ({ graph, feeds }) => {
      const opset = OPSETS[run++ % OPSETS.length] ?? 17;
      // onnxruntime-node returns results in a plain object, where "__proto__" cannot be a key.
      const safe = graph.outputs.concat(graph.inputs.map((v) => v.name)).includes('__proto__') ? renameValue(graph, '__proto__', 'proto_value') : graph;
      const safeFeeds = Object.fromEntries(graph.inputs.map((input, i) => [safe.inputs[i]?.name ?? '', feeds[input.name] ?? new Float32Array()]));
      const { bytes, names } = writeOnnxModel(safe, { opset });
      const results = await runOnnxRuntime(bytes, safe, safeFeeds, names);
      const expected = interpret(graph, feeds);
      graph.outputs.forEach((name, i) => {
        const comparison = compareArrays(expected[name] ?? new Float32Array(), results[safe.outputs[i] ?? ''] ?? new Float32Array(1).fill(NaN), tolerance(graph));
        if (!comparison.ok) throw new Error(`opset ${opset}: output ${JSON.stringify(name)} differs: ${JSON.stringify(comparison)}`);
      });
    }, { numRuns: 120 });
  });
});

function opTypes(bytes: Uint8Array): string[] {
  return (decodeModel(bytes).graph?.node ?? []).map((n) => n.op_type);
}

describe('onnxruntime vs the interpreter on optimized CNN blocks', () => {
  it('agrees after -O2 folded BatchNorm and fused residuals and activations (PReLU per channel) into convs', async () => {
    const cases = arbConvBlockGraph().chain((graph) => arbFeeds(graph, { edges: false, batch: 2 }).map((feeds) => ({ graph, feeds })));
    await assertGraphPropertyAsync(cases, async ({ graph, feeds }) => {
      const optimized = optimize(graph).graph;
      const results = await runOnnxRuntime(writeOnnx(optimized), optimized, feeds);
      const expected = interpret(graph, feeds);
      for (const name of graph.outputs) {
        const comparison = compareArrays(expected[name] ?? new Float32Array(), results[name] ?? new Float32Array(1).fill(NaN), tolerance(graph));
        if (!comparison.ok) throw new Error(`output ${JSON.stringify(name)} differs: ${JSON.stringify(comparison)}`);
      }
    }, { numRuns: 40 });
  });
});

describe('ONNX writer for CNN ops', () => {
  it('agrees on ceil_mode pools whose last window would start in the end padding', async () => {
    for (const op of ['max_pool', 'avg_pool'] as const) {
      for (const countIncludePad of [false, true]) {
        const b = new GraphBuilder('ceil');
        const x = b.input('x', ['N', 2, 5, 4]);
        // Axis 0: padded 7, kernel 2, stride 3 → ceil gives 3 windows, the last starting at 6 ≥ 5 + 1: dropped.
        const options = { strides: [3, 2], pads: [1, 1, 1, 1], ceilMode: true, ...(op === 'avg_pool' ? { countIncludePad } : {}) };
        const y = op === 'max_pool' ? b.maxPool(x, [2, 3], options, 'y') : b.avgPool(x, [2, 3], options, 'y');
        expect(y.type.shape).toEqual(['N', 2, 2, 3]);
        b.output(y);
        const graph = b.build();
        const feeds = { x: new Float32Array(2 * 40).map((_, i) => Math.sin(i)) };
        const comparison = compareArrays(interpret(graph, feeds)['y'] ?? new Float32Array(), (await runOnnxRuntime(writeOnnx(graph), graph, feeds))['y'] ?? new Float32Array(), tolerance(graph));
        expect(comparison.ok).toBe(true);
      }
    }
  });

  it("writes conv's fused residual and activation back as Add and the activation's own node", () => {
    const b = new GraphBuilder('block');
    const x = b.input('x', ['N', 2, 5, 5]);
    const w = b.constant(new Float32Array(2 * 2 * 9).fill(0.1), [2, 2, 3, 3], 'w');
    const bias = b.constant(new Float32Array(2), [2], 'b');
    const y = b.conv(x, w, { bias, residual: x, pads: [1, 1, 1, 1], activation: { op: 'clip', attrs: { min: 0, max: 6 } } }, 'y');
    const z = b.hardSwish(b.hardSigmoid(y, 0.2, 0.5, 'hs'), 'z');
    b.output(z);
    expect(opTypes(writeOnnx(b.build()))).toEqual(['Conv', 'Add', 'Clip', 'HardSigmoid', 'HardSwish']);
    // HardSwish only exists from opset 14: before, its body is written out.
    expect(opTypes(writeOnnx(b.build(), { opset: 13 }))).not.toContain('HardSwish');
  });

  it('writes reduction axes as an attribute before opset 18 (ReduceSum: an input from 13) and as an input from 18', () => {
    const b = new GraphBuilder('reduce');
    const x = b.input('x', ['N', 3, 4, 4]);
    b.output(b.reduceMean(x, [2, 3], true, 'mean'), b.reduceSum(x, [1], false, 'sum'));
    const nodes = (opset: number): { op: string; inputs: number; attrs: string[] }[] => (decodeModel(writeOnnx(b.build(), { opset })).graph?.node ?? [])
      .map((n) => ({ op: n.op_type, inputs: n.input.length, attrs: n.attribute.map((a) => a.name) }));
    expect(nodes(17)).toEqual([{ op: 'ReduceMean', inputs: 1, attrs: ['axes', 'keepdims'] }, { op: 'ReduceSum', inputs: 2, attrs: ['keepdims'] }]);
    expect(nodes(18)).toEqual([{ op: 'ReduceMean', inputs: 2, attrs: ['keepdims'] }, { op: 'ReduceSum', inputs: 2, attrs: ['keepdims'] }]);
  });

  it("takes a resize's batch from the input's shape when it is symbolic", async () => {
    const b = new GraphBuilder('up');
    const x = b.input('x', ['N', 2, 3, 3]);
    b.output(b.resize(x, [6, 9], { mode: 'nearest', coordinateTransformationMode: 'asymmetric', nearestMode: 'floor' }, 'y'));
    const graph = b.build();
    expect(opTypes(writeOnnx(graph))).toEqual(['Shape', 'Slice', 'Concat', 'Resize']);
    const feeds = { x: new Float32Array(3 * 18).map((_, i) => i) };
    const ours = interpret(graph, feeds)['y'];
    expect(Array.from((await runOnnxRuntime(writeOnnx(graph), graph, feeds))['y'] ?? [])).toEqual(Array.from(ours ?? []));
  });
});
