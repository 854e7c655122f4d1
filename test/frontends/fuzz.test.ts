// Mutation fuzzing of the file front ends: valid ONNX and JSON models with random bytes
// overwritten, inserted or cut off. The importer either returns a verified graph or throws
// fusegraph's CompileError: never another exception, never a hang (vitest's timeout).
// FUZZ_RUNS=20000 npx vitest run test/frontends/fuzz.test.ts fuzzes longer.

import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { CompileError } from '../../ir/errors.ts';
import { readJsonModel } from '../../src/frontends/json-model/read.ts';
import { writeJsonModel } from '../../src/frontends/json-model/write.ts';
import { importOnnx } from '../../src/frontends/onnx/import.ts';
import { readSafetensors } from '../../src/frontends/safetensors.ts';
import { floatAttribute, intAttribute, intsAttribute, node, onnxModel, shapeTensor, weights } from './onnx-model.ts';

const onnx = readFileSync(new URL('../fixtures/pytorch/residual.onnx', import.meta.url));
/** A small model, mostly structure rather than weights, so mutations hit nodes and attributes. */
const small = onnxModel({
  opset: 11, inputs: [['x', ['N', 2, 3]]], outputs: [['y', ['N', 6]], ['z', ['N', 2, 3]]],
  initializers: [weights('w', [6, 6], 1), weights('slope', [2, 1], 2), shapeTensor('shape', [0, -1])],
  nodes: [
    node('Reshape', ['x', 'shape'], 'r'), node('Gemm', ['r', 'w'], 'g', [intAttribute('transB', 1), floatAttribute('alpha', 0.5)]),
    node('Softmax', ['g'], 'y', [intAttribute('axis', 1)]), node('PRelu', ['x', 'slope'], 'p'),
    node('Unsqueeze', ['p'], 'u', [intsAttribute('axes', [1])]), node('Squeeze', ['u'], 'z', [intsAttribute('axes', [1])]),
  ],
});

type Mutation = { kind: 'set' | 'insert'; at: number; byte: number } | { kind: 'cut'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom('set' as const, 'insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
);

function mutate(bytes: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let out = Uint8Array.from(bytes);
  for (const m of mutations) {
    const at = m.at % Math.max(1, out.length);
    if (m.kind === 'set') out[at] = m.byte;
    else if (m.kind === 'insert') out = Uint8Array.from([...out.subarray(0, at), m.byte, ...out.subarray(at)]);
    else out = out.subarray(0, at);
  }
  return out;
}

function onlyCompileErrors(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    if (!(error instanceof CompileError)) throw error;
  }
}

describe('fuzzing the importers', () => {
  it('ONNX: mutated files import or fail with a CompileError', () => {
    fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), (mutations) => {
      onlyCompileErrors(() => importOnnx(mutate(onnx, mutations)));
      onlyCompileErrors(() => importOnnx(mutate(small, mutations)));
    }), { numRuns: Number(process.env.FUZZ_RUNS ?? 400) });
  });

  it('JSON model: mutated documents load or fail with a CompileError', () => {
    const graph = importOnnx(onnx);
    const inline = new TextEncoder().encode(writeJsonModel(graph).json);
    const sidecar = writeJsonModel(graph, { kind: 'safetensors', file: 'w.safetensors' });
    const sidecarJson = new TextEncoder().encode(sidecar.json);
    const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
    fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), fc.boolean(), (mutations, mutateSidecar) => {
      onlyCompileErrors(() => readJsonModel(decode(mutate(inline, mutations))));
      const weights = mutateSidecar && sidecar.sidecar !== undefined ? mutate(sidecar.sidecar, mutations) : sidecar.sidecar;
      const json = mutateSidecar ? sidecarJson : mutate(sidecarJson, mutations);
      onlyCompileErrors(() => readJsonModel(decode(json), { readSidecar: () => weights ?? new Uint8Array() }));
    }), { numRuns: Number(process.env.FUZZ_RUNS ?? 300) });
  });

  it('safetensors: mutated files read or fail with a CompileError', () => {
    const graph = importOnnx(onnx);
    const file = writeJsonModel(graph, { kind: 'safetensors', file: 'w' }).sidecar ?? new Uint8Array();
    fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), (mutations) => {
      onlyCompileErrors(() => readSafetensors(mutate(file, mutations)));
    }), { numRuns: Number(process.env.FUZZ_RUNS ?? 300) });
  });
});
