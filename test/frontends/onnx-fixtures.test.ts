// The committed PyTorch exports (test/fixtures/pytorch): fusegraph's import, run by the
// interpreter and by the compiled JS bundle, agrees with onnxruntime-node on the same file
// and with PyTorch's own outputs recorded at export time.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interpret.ts';
import { compile } from '../../src/compile.ts';
import { importOnnx } from '../../src/frontends/onnx/import.ts';
import { Random } from '../../src/random.ts';
import { importBundle } from '../codegen/js/load-bundle.ts';
import { expectClose } from './compare.ts';
import { runOnnxRuntime } from './ort-runner.ts';

const DIR = new URL('../fixtures/pytorch/', import.meta.url);
const FIXTURES = ['seed_mlp', 'activations', 'gelu_silu', 'gelu_opset20', 'flatten', 'matmul_add', 'residual'];

interface Recorded { name: string; shape: number[]; data: number[] }
interface IoFile { input: Recorded; outputs: Recorded[] }

function load(name: string): { bytes: Uint8Array; io: IoFile } {
  return {
    bytes: readFileSync(new URL(`${name}.onnx`, DIR)),
    io: JSON.parse(readFileSync(new URL(`${name}.io.json`, DIR), 'utf8')) as IoFile,
  };
}

describe('PyTorch fixtures', () => {
  for (const name of FIXTURES) {
    it(`${name}: interpreter and JS bundle agree with PyTorch and onnxruntime`, async () => {
      const { bytes, io } = load(name);
      const graph = importOnnx(bytes);
      expect(graph.outputs).toEqual(io.outputs.map((o) => o.name));
      const recordedInput = Float32Array.from(io.input.data);
      const random = new Random(11);
      const other = random.uniformArray(7 * (recordedInput.length / (io.input.shape[0] ?? 1)), -3, 3);
      const pytorch = Object.fromEntries(io.outputs.map((o) => [o.name, Float32Array.from(o.data)]));
      const bundle = await importBundle(compile(graph, { target: 'js' }));
      for (const [label, x] of [['recorded batch', recordedInput], ['random batch of 7', other]] as const) {
        const feeds = { [io.input.name]: x };
        const reference = interpret(graph, feeds);
        if (x === recordedInput) expectClose(graph, pytorch, reference, `${name} ${label}: PyTorch vs interpreter`);
        expectClose(graph, await runOnnxRuntime(bytes, graph, feeds), reference, `${name} ${label}: onnxruntime vs interpreter`);
        expectClose(graph, reference, bundle.run(feeds), `${name} ${label}: interpreter vs JS bundle`);
      }
    });
  }

  it('keeps PyTorch parameter names for Gemm weights and finds GELU in its erf form', () => {
    const mlp = importOnnx(load('seed_mlp').bytes);
    expect(mlp.nodes.filter((n) => n.op === 'const').map((n) => n.name)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    const gelu = importOnnx(load('gelu_silu').bytes);
    expect(gelu.nodes.map((n) => n.op)).toContain('gelu');
    expect(gelu.nodes.map((n) => n.op)).not.toContain('fused_elementwise');
  });

  it('imports the flatten model with a symbolic batch over [N,1,28,28]', () => {
    const graph = importOnnx(load('flatten').bytes);
    expect(graph.inputs[0]?.type.shape).toEqual(['N', 1, 28, 28]);
  });
});
