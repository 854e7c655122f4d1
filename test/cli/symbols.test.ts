// Several symbols at the command line: `run` binds each symbol from the input files' shapes
// and names both inputs when they disagree (exit 2, one line); `compile --dim S=...` fixes a
// symbol at compile time; a wasm bundle whose sizes need N and S apart runs from the CLI.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { intAttribute, node, onnxModel, shapeTensor } from '../frontends/onnx-model.ts';
import { fusegraph } from './fusegraph-process.ts';
import { tempDir } from '../support/temp-dir.ts';

const dir = tempDir('fusegraph-symbols-');

function file(name: string, contents: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, contents);
  return path;
}

const model = file('masked.onnx', onnxModel({
  opset: 13, inputs: [['x', ['N', 'S', 4]], ['mask', ['N', 'S']]], outputs: [['y', ['N', 'S']]],
  nodes: [node('ReduceSum', ['x', 'axes'], 'summed', [intAttribute('keepdims', 0)]), node('Add', ['summed', 'mask'], 'y')],
  initializers: [shapeTensor('axes', [2])],
}));

const nested = (n: number, s: number, d?: number): string => JSON.stringify(Array.from({ length: n }, (_, i) => Array.from({ length: s }, (_, j) => (d === undefined ? i - j : Array.from({ length: d }, (_, k) => i + j + k)))));

describe('several symbols in the CLI', () => {
  it('run binds N and S from the files and prints outputs of the bound shape', () => {
    const { status, stdout, stderr } = fusegraph('run', model, '--input', `x=${file('x.json', nested(2, 3, 4))}`, '--input', `mask=${file('m.json', nested(2, 3))}`);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toContain('[2,3]');
  });

  it('run names both inputs when they disagree on a symbol: exit 2, one line', () => {
    const { status, stderr } = fusegraph('run', model, '--input', `x=${file('x.json', nested(2, 3, 4))}`, '--input', `mask=${file('m5.json', nested(2, 5))}`);
    expect(status).toBe(2);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toContain('input %mask has S = 5, but input %x has S = 3');
  });

  it('compile takes the token-wise model for wasm (N·S its batch), and --dim', () => {
    const tokens = fusegraph('compile', model, '--target', 'wasm', '-o', join(dir, 'out1'));
    expect(tokens.stderr).toBe('');
    expect(tokens.status).toBe(0);
    const fixed = fusegraph('compile', model, '--target', 'wasm', '--dim', 'S=3', '-o', join(dir, 'out2'));
    expect(fixed.stderr).toBe('');
    expect(fixed.status).toBe(0);
    const bad = fusegraph('compile', model, '--target', 'js', '--dim', 'S=zero', '-o', join(dir, 'out3'));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--dim takes SYMBOL=SIZE');
  });

  it('compiles a model whose sizes need N and S apart for wasm (run-time sizes) and runs the bundle', () => {
    const pooled = file('pooled.onnx', onnxModel({
      opset: 13, inputs: [['x', ['N', 'S', 4]]], outputs: [['y', ['N', 'S', 4]]],
      nodes: [node('Softmax', ['x'], 'y', [intAttribute('axis', 1)])],
    }));
    const compiled = fusegraph('compile', pooled, '--target', 'wasm', '-o', join(dir, 'out4'));
    expect(compiled.stderr).toBe('');
    expect(compiled.status).toBe(0);
    const { status, stdout, stderr } = fusegraph('run', join(dir, 'out4', 'pooled.mjs'), '--input', `x=${file('x3.json', nested(2, 3, 4))}`);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toContain('[2,3,4]');
  });
});

