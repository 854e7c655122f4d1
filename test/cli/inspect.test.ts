// `fusegraph inspect` and `--prune` end to end, in child processes, on the committed
// Fashion-MNIST models: the counts match what PyTorch found when training
// (examples/fashion-mnist/train_results.json), fused or not; every bad input is one line on
// stderr and exit 2.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { InspectReport } from '../../src/analysis/inspect.ts';
import { encodeNpy } from '../../src/cli/tensor-files.ts';
import { fusegraph } from './fusegraph-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'fusegraph-inspect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MODELS = 'examples/fashion-mnist';
const SAMPLE = `${MODELS}/sample-images-idx3-ubyte.gz`;
const torch = JSON.parse(readFileSync(`${MODELS}/train_results.json`, 'utf8')) as {
  models: Record<string, { never_active_on_sample: number[] }>;
};

function npy(name: string, shape: number[], data: Float32Array): string {
  const path = join(dir, name);
  writeFileSync(path, encodeNpy(shape, data));
  return path;
}

function json(args: string[]): InspectReport {
  const { status, stdout, stderr } = fusegraph('inspect', ...args, '--json');
  expect(stderr).toBe('');
  expect(status).toBe(0);
  return JSON.parse(stdout) as InspectReport;
}

describe('fusegraph inspect', () => {
  it('finds the units PyTorch saw never active, on the model as loaded and fused (-O2)', () => {
    const plain = json([`${MODELS}/mlp_relu.onnx`, '--data', SAMPLE, '--scale', '1/255', '--input-range', '0,1']);
    const fused = json([`${MODELS}/mlp_relu.onnx`, '--data', SAMPLE, '--scale', '1/255', '-O', '2']);
    const want = torch.models['relu']?.never_active_on_sample;
    expect(plain.layers[0]?.observed?.dead).toEqual(want);
    expect(plain.layers[0]?.fusedInto).toBeNull();
    expect(fused.layers[0]?.fusedInto).toBe('linear');
    expect(fused.layers[0]?.observed?.dead).toEqual(want);
    expect(plain.layers[0]?.observed?.deadMacsPerSample).toBe((want?.length ?? 0) * 794);
    expect(plain.layers[0]?.observed?.histogram.reduce((a, b) => a + b, 0)).toBe(128);
    expect(plain.layers[0]?.proved).toEqual({ dead: [], linear: [], deadMacsPerSample: 0 });
  });

  it('reports the negative-slope share of LeakyReLU and prints a table', () => {
    const report = json([`${MODELS}/mlp_leaky_relu.onnx`, '--data', SAMPLE, '--scale', '1/255']);
    expect(report.layers[0]?.observed?.dead).toEqual(torch.models['leaky_relu']?.never_active_on_sample);
    expect(report.layers[0]?.observed?.negativeSlopeShare).toBeGreaterThan(0.5);
    const { status, stdout } = fusegraph('inspect', `${MODELS}/mlp_prelu.onnx`, '--data', SAMPLE, '--scale', '1/255');
    expect(status).toBe(0);
    expect(stdout).toMatch(new RegExp(`prelu\\s+128\\s+${torch.models['prelu']?.never_active_on_sample.length ?? -1}\\s`));
  });

  it('--prune observed removes them and records it in the bundle header; ir --stats shows the saving', () => {
    const out = join(dir, 'dist');
    const compiled = fusegraph('compile', `${MODELS}/mlp_relu.onnx`, '--prune', 'observed', '--data', SAMPLE, '--scale', '1/255', '--check-data', SAMPLE, '-o', out);
    expect(compiled.stderr).toBe('');
    const dead = torch.models['relu']?.never_active_on_sample.length ?? -1;
    expect(compiled.stdout).toContain(`pruned ${dead} units (observed), saving ${dead * 794} multiply-adds per sample`);
    expect(compiled.stdout).toContain('1000/1000 (100.00%)');
    const bundle = readFileSync(join(out, 'mlp_relu.mjs'), 'utf8');
    expect(bundle.split('\n')[1]).toContain(`removed ${dead} of 128 units`); // line 0 names the source model
    const ir = fusegraph('ir', `${MODELS}/mlp_relu.onnx`, '--prune', 'observed', '--data', SAMPLE, '--scale', '1/255', '--stats');
    expect(ir.stderr).toContain(`removed units: ${dead}, saved multiply-adds per sample: ${dead * 794}`);
    expect(ir.stdout).toContain(`f32[${128 - dead},784]`);
  });

  it('inspects the CNN: [N,1,28,28] data as .npy, conv channels with their never-active positions', () => {
    // Five black images: the first conv's output is its bias at every position.
    const images = npy('black.npy', [5, 1, 28, 28], new Float32Array(5 * 784));
    const report = json([`${MODELS}/cnn.onnx`, '--data', images]);
    expect(report.layers.map((l) => l.units)).toEqual([16, 32, 128]);
    expect(report.layers[0]?.observed?.positions).toBe(784);
    const { status, stdout } = fusegraph('inspect', `${MODELS}/cnn.onnx`, '--data', images);
    expect(status).toBe(0);
    expect(stdout).toContain('channels × 784 positions; positions never active in live channels:');
  });

  it('lists inspect in --help', () => {
    expect(fusegraph('--help').stdout).toMatch(/inspect \[options\] <model>/);
  });
});

describe('fusegraph inspect: bad input is one line, exit 2', () => {
  const model = `${MODELS}/mlp_relu.onnx`;
  const cases: [string, () => string[], RegExp][] = [
    ['data shape mismatch', () => ['--data', npy('wide.npy', [2, 785], new Float32Array(2 * 785))], /data of shape \[2,785\] does not fit input %x: f32\[N,784\]/],
    ['empty file', () => { const p = join(dir, 'empty.npy'); writeFileSync(p, ''); return ['--data', p]; }, /the data file is empty/],
    ['NaN in the data', () => ['--data', npy('nan.npy', [1, 784], Float32Array.from({ length: 784 }, (_, i) => (i === 5 ? NaN : 0)))], /the data holds NaN \(sample 0, value 5\)/],
    ['lo > hi', () => ['--input-range', '1,0'], /--input-range needs lo <= hi, got lo = 1 > hi = 0/],
    ['no activations', () => { const p = join(dir, 'plain.ir'); writeFileSync(p, 'graph g(%x: f32[N,2]) -> f32[N,2] {\n  %y = identity(%x) : f32[N,2]\n  return %y\n}\n'); return ['--input-range', '0,1', '--model', p]; }, /the model has no activations to inspect/],
  ];
  for (const [name, args, message] of cases) {
    it(name, () => {
      const extra = args();
      const modelIndex = extra.indexOf('--model');
      const file = modelIndex >= 0 ? extra[modelIndex + 1] ?? model : model;
      const rest = modelIndex >= 0 ? extra.slice(0, modelIndex) : extra;
      const { status, stdout, stderr } = fusegraph('inspect', file, ...rest);
      expect(status).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(message);
      expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    });
  }
});
