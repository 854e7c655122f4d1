// PyTorch state dicts: the safetensors reader against the committed exports (written by
// PyTorch's own safetensors package), dtype conversion, and toGraph matching tensors to
// parameters by name with every mismatch reported.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CompileError } from '../../ir/errors.ts';
import { interpret } from '../../ir/interpret.ts';
import { readSafetensors, writeSafetensors } from '../../src/frontends/safetensors.ts';
import { loadStateDict } from '../../src/frontends/state-dict.ts';
import { elu, leakyRelu, linear, prelu, relu, sequential, sigmoid, softmax, tanh, toGraph } from '../../src/nn.ts';
import { expectClose } from './compare.ts';

const DIR = new URL('../fixtures/pytorch/', import.meta.url);

function pytorchOutputs(name: string): { x: Float32Array; y: Float32Array } {
  const io = JSON.parse(readFileSync(new URL(`${name}.io.json`, DIR), 'utf8')) as { input: { data: number[] }; outputs: { data: number[] }[] };
  return { x: Float32Array.from(io.input.data), y: Float32Array.from(io.outputs[0]?.data ?? []) };
}

describe('state dicts from safetensors', () => {
  it('builds the seed MLP from its PyTorch state dict and reproduces PyTorch', () => {
    const weights = loadStateDict(fileURLToPath(new URL('seed_mlp.safetensors', DIR)));
    expect([...weights.keys()]).toEqual(['0.bias', '0.weight', '2.bias', '2.weight']);
    const graph = toGraph(sequential(linear(784, 128), relu(), linear(128, 10)), { name: 'seed', inputShape: ['N', 784], outputName: 'y', weights });
    const { x, y } = pytorchOutputs('seed_mlp');
    expectClose(graph, { y }, interpret(graph, { x }), 'PyTorch vs state-dict model');
  });

  it('builds every seed activation from the activations state dict', () => {
    const weights = loadStateDict(fileURLToPath(new URL('activations.safetensors', DIR)));
    const model = sequential(
      linear(16, 32), leakyRelu(0.2), linear(32, 32), elu(0.7), linear(32, 32), prelu(32, 0.1), linear(32, 32), tanh(),
      linear(32, 32), prelu(), linear(32, 32), sigmoid(), linear(32, 10), softmax(1),
    );
    const graph = toGraph(model, { name: 'acts', inputShape: ['N', 16], outputName: 'y', weights });
    const { x, y } = pytorchOutputs('activations');
    expectClose(graph, { y }, interpret(graph, { x }), 'PyTorch vs state-dict model');
  });

  it('reports missing, unused and mis-shaped tensors by name, all at once', () => {
    const weights = loadStateDict(fileURLToPath(new URL('seed_mlp.safetensors', DIR)));
    weights.delete('2.bias');
    const transposed = weights.get('0.weight');
    if (transposed === undefined) throw new Error('fixture lacks 0.weight');
    weights.set('0.weight', { ...transposed, shape: [784, 128] });
    weights.set('fc9.weight', { shape: [1], data: Float32Array.of(1), dtype: 'F32' });
    expect(() => toGraph(sequential(linear(784, 128), relu(), linear(128, 10)), { name: 'seed', inputShape: ['N', 784], weights }))
      .toThrow("weight '0.weight' needs shape [128,784], got [784,128]; missing weight '2.bias' of shape [10]; unused weights: \"fc9.weight\"");
  });

  it('converts F16, BF16 and F64 and refuses other dtypes by name', () => {
    const header = (entries: Record<string, unknown>, data: number[]): Uint8Array => {
      const json = new TextEncoder().encode(JSON.stringify(entries));
      const out = new Uint8Array(8 + json.length + data.length);
      new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
      out.set(json, 8);
      out.set(data, 8 + json.length);
      return out;
    };
    const file = header({
      half: { dtype: 'F16', shape: [2], data_offsets: [0, 4] },
      brain: { dtype: 'BF16', shape: [1], data_offsets: [4, 6] },
      __metadata__: { format: 'pt' },
    }, [0x00, 0x3c, 0x00, 0xc0, 0x80, 0x3f]);
    const tensors = readSafetensors(file);
    expect(Array.from(tensors.get('half')?.data ?? [])).toEqual([1, -2]);
    expect(Array.from(tensors.get('brain')?.data ?? [])).toEqual([1]);
    expect(() => readSafetensors(header({ step: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, [1, 0, 0, 0, 0, 0, 0, 0])))
      .toThrow(/tensor "step" has dtype I64; fusegraph reads F32 weights/);
    expect(() => readSafetensors(header({ w: { dtype: 'F32', shape: [1e6, 1e6], data_offsets: [0, 4] } }, [0, 0, 0, 0])))
      .toThrow(CompileError);
  });

  it('writes what it reads', () => {
    const tensors = new Map([['a.weight', { shape: [2, 2], data: Float32Array.of(1, -0, NaN, 3e-41) }]]);
    const back = readSafetensors(writeSafetensors(tensors));
    expect(back.get('a.weight')?.shape).toEqual([2, 2]);
    expect(Object.is(back.get('a.weight')?.data[1], -0)).toBe(true);
    expect(back.get('a.weight')?.data[3]).toBe(Math.fround(3e-41));
  });
});
