// `fusegraph run`, `verify`, `bench` and `ir --format` as a user runs them, in child
// processes, on the committed PyTorch exports: outputs checked against PyTorch's own.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeRawF32, readTensorFile } from '../../src/cli/tensor-files.ts';
import { compareArrays } from '../../src/tolerance.ts';
import { fusegraph } from './fusegraph-process.ts';
import { tempDir } from '../support/temp-dir.ts';


const FIXTURES = 'test/fixtures/pytorch';
const io = JSON.parse(readFileSync(`${FIXTURES}/seed_mlp.io.json`, 'utf8')) as { input: { data: number[] }; outputs: { data: number[] }[] };
const x = io.input.data;
const expected = Float32Array.from(io.outputs[0]?.data ?? []);
const rows = (data: ArrayLike<number>, width: number): number[][] => Array.from({ length: data.length / width }, (_, r) => Array.from(data).slice(r * width, (r + 1) * width));
const argmax = (row: number[]): number => row.indexOf(Math.max(...row));

describe('fusegraph run', () => {
  const dir = tempDir('fusegraph-run-');
  writeFileSync(join(dir, 'x.json'), JSON.stringify(rows(x, 784)));
  writeFileSync(join(dir, 'x.bin'), encodeRawF32(Float32Array.from(x)));

  it('summarizes each output with shape, statistics and PyTorch\'s argmax per row', () => {
    const { status, stdout, stderr } = fusegraph('run', `${FIXTURES}/seed_mlp.onnx`, '--input', join(dir, 'x.json'));
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toMatch(/^y: f32\[4,10\] {2}min -?[\d.]+ {2}max [\d.]+ {2}mean -?[\d.e-]+\n/);
    expect(stdout).toContain(`argmax per row: ${rows(expected, 10).map(argmax).join(' ')}\n`);
  });

  it('writes .npy outputs equal to PyTorch\'s, from a raw .bin input with --shape', () => {
    const out = join(dir, 'y.npy');
    const { status, stderr } = fusegraph('run', `${FIXTURES}/seed_mlp.onnx`, '--input', join(dir, 'x.bin'), '--shape', '4,784', '--output', out);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const y = readTensorFile(out);
    expect(y.shape).toEqual([4, 10]);
    expect(compareArrays(expected, y.data, { abs: 1e-5, rel: 1e-4 }).ok).toBe(true);
  });

  it('runs a compiled bundle the same way, and writes every output of a two-output model to JSON', () => {
    const dist = join(dir, 'dist');
    expect(fusegraph('compile', `${FIXTURES}/residual.onnx`, '-o', dist).status).toBe(0);
    const residual = JSON.parse(readFileSync(`${FIXTURES}/residual.io.json`, 'utf8')) as { input: { data: number[] }; outputs: { name: string; data: number[] }[] };
    writeFileSync(join(dir, 'r.json'), JSON.stringify({ shape: [4, 12], data: residual.input.data }));
    const out = join(dir, 'r-out.json');
    const { status, stderr } = fusegraph('run', join(dist, 'residual.mjs'), '--input', join(dir, 'r.json'), '-o', out);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const written = JSON.parse(readFileSync(out, 'utf8')) as Record<string, { shape: number[]; data: number[] }>;
    expect(Object.keys(written)).toEqual(['y0', 'y1']);
    for (const output of residual.outputs) {
      expect(compareArrays(Float32Array.from(output.data), Float32Array.from(written[output.name]?.data ?? []), { abs: 1e-5, rel: 1e-4 }).ok).toBe(true);
    }
  });
});

describe('fusegraph verify and bench', () => {
  it('verify compares the JS bundle with the interpreter and reports errors and pass counts', () => {
    const { status, stdout } = fusegraph('verify', `${FIXTURES}/activations.onnx`, '--target', 'js', '--samples', '3');
    expect(status).toBe(0);
    expect(stdout).toContain('verify main_graph --target js -O2: 7 input batches (3 random, 4 edge)');
    expect(stdout).toMatch(/fuse-linear-activation +\d+ → \d+/);
    expect(stdout).toMatch(/\n {2}y +\S+ +\S+\n/);
    expect(stdout).toContain('ok: every output within tolerance');
  });

  it('verify exits 1 when a bundle exceeds the tolerance: a cancellation f32 sums lose', () => {
    // h = [1e8·x, x, -1e8·x], y = Σh: the interpreter sums in f64 and gets x back; the wasm
    // target sums in f32, where 1e8·x + x rounds to 1e8·x, and gets 0. A real disagreement,
    // which verify must report.
    const dir = tempDir('fusegraph-verify-');
    const tensor = (shape: number[], values: number[]): unknown => ({ shape, data: { base64: Buffer.from(Float32Array.from(values).buffer).toString('base64') } });
    const model = join(dir, 'cancel.json');
    writeFileSync(model, JSON.stringify({
      format: 'fusegraph.model', version: 1, name: 'cancel', inputs: [{ name: 'x', shape: ['N', 1] }],
      nodes: [
        { name: 'w1', op: 'const', attrs: { value: tensor([3, 1], [1e8, 1, -1e8]) } },
        { name: 'h', op: 'linear', inputs: ['x', 'w1'] },
        { name: 'w2', op: 'const', attrs: { value: tensor([1, 3], [1, 1, 1]) } },
        { name: 'y', op: 'linear', inputs: ['h', 'w2'] },
      ],
      outputs: ['y'],
    }));
    expect(fusegraph('verify', model, '--target', 'js', '--samples', '2').status).toBe(0);
    const { status, stderr } = fusegraph('verify', model, '--target', 'wasm', '--samples', '2');
    expect(status).toBe(1);
    expect(stderr).toMatch(/^fusegraph: verification failed: \d+ comparison\(s\) beyond tolerance; first: y on random #\d \(batch \d\): element \d+ is/);
  });

  it('bench prints the median µs per call and GFLOP/s per batch', () => {
    const { status, stdout, stderr } = fusegraph('bench', `${FIXTURES}/seed_mlp.onnx`, '--batch', '1,8', '--time', '50');
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toMatch(/^1 +[\d.]+ +[\d.]+ +\d+$/m);
    expect(stdout).toMatch(/^8 +[\d.]+ +[\d.]+ +\d+$/m);
    expect(stdout).toMatch(/^threads \d+ \(.+\)$/m);
  });

  it('bench --threads N loads the wasm bundle with N threads and prints them', () => {
    const { status, stdout, stderr } = fusegraph('bench', `${FIXTURES}/seed_mlp.onnx`, '--batch', '8', '--time', '20', '--threads', '2');
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toMatch(/^threads 2 \(2 threads were asked for\)$/m);
    const one = fusegraph('bench', `${FIXTURES}/seed_mlp.onnx`, '--batch', '1', '--time', '20', '--threads', '1');
    expect(one.status).toBe(0);
    expect(one.stdout).toMatch(/^threads 1 \(one thread was asked for\)$/m);
  });

  it('bench --threads is wasm only and a positive whole number (exit 2, one line)', () => {
    const js = fusegraph('bench', `${FIXTURES}/seed_mlp.onnx`, '--target', 'js', '--threads', '2');
    expect(js.status).toBe(2);
    expect(js.stderr).toBe('fusegraph: error: --threads applies to --target wasm only, not js\n');
    for (const bad of ['0', '1.5', 'two']) {
      const result = fusegraph('bench', `${FIXTURES}/seed_mlp.onnx`, '--threads', bad);
      expect(result.status).toBe(2);
      expect(result.stderr).toBe(`fusegraph: error: --threads must be a whole number of threads in 1..256, got '${bad}'\n`);
    }
  });
});

describe('fusegraph ir --format', () => {
  it('writes the JSON model format with a safetensors sidecar, which every verb reads', () => {
    const dir = tempDir('fusegraph-json-');
    const model = join(dir, 'seed.json');
    expect(fusegraph('ir', `${FIXTURES}/seed_mlp.onnx`, '--full', '--format', 'json', '-o', model).status).toBe(0);
    expect(JSON.parse(readFileSync(model, 'utf8'))).toMatchObject({ format: 'fusegraph.model', version: 1, weights: { file: 'seed.safetensors' } });
    writeFileSync(join(dir, 'x.json'), JSON.stringify(rows(x, 784)));
    const run = fusegraph('run', model, '--input', join(dir, 'x.json'));
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`argmax per row: ${rows(expected, 10).map(argmax).join(' ')}\n`);
  });

  it('writes DOT with fused activations and shapes on edges', () => {
    const { status, stdout } = fusegraph('ir', `${FIXTURES}/seed_mlp.onnx`, '-O2', '--format', 'dot');
    expect(status).toBe(0);
    expect(stdout.startsWith('digraph "main_graph" {')).toBe(true);
    expect(stdout).toContain('= linear\\nactivation = relu"');
    expect(stdout).toMatch(/in0 -> n\d+ \[label="f32\[N,784\]"\];/);
  });
});
