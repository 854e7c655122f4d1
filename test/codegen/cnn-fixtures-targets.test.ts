// Issue 10's bar on every backend: each committed PyTorch CNN export (torchvision backbones,
// LeNet, a 1-D conv net, a small U-Net, one model per op family) compiles at -O2 to a JS, a
// WASM and a WGSL bundle whose outputs on the recorded batch match PyTorch's own within a
// relative error of 3e-4 (max |bundle − PyTorch| over max |PyTorch|, per output).

import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/frontends/onnx/import.ts';
import { TargetRunner, type ConformanceTarget } from '../conformance/targets.ts';

const DIR = new URL('../fixtures/pytorch-cnn/', import.meta.url);
const MODELS = readdirSync(DIR).filter((f) => f.endsWith('.onnx')).map((f) => f.slice(0, -'.onnx'.length)).sort();
const TARGETS: readonly ConformanceTarget[] = ['js', 'wasm', 'wgsl'];
const MAX_RELATIVE_ERROR = 3e-4;

interface Recorded { name: string; shape: number[]; data: number[] }
interface IoFile { input: Recorded; outputs: Recorded[] }

function relativeError(want: readonly number[], got: Float32Array | undefined): number {
  if (got === undefined || got.length !== want.length) return Infinity;
  let scale = 0;
  let worst = 0;
  want.forEach((w, i) => {
    scale = Math.max(scale, Math.abs(w));
    worst = Math.max(worst, Math.abs(w - (got[i] ?? NaN)));
  });
  return Number.isNaN(worst) ? Infinity : worst / Math.max(scale, 1e-30);
}

const runner = new TargetRunner();
afterAll(() => runner.dispose());

describe('PyTorch CNN fixtures on every backend', () => {
  for (const name of MODELS) {
    for (const target of TARGETS) {
      it(`${name} on ${target} matches PyTorch`, async () => {
        const io = JSON.parse(readFileSync(new URL(`${name}.io.json`, DIR), 'utf8')) as IoFile;
        const graph = importOnnx(readFileSync(new URL(`${name}.onnx`, DIR)), { file: `${name}.onnx` });
        const batch = io.input.shape[0] ?? 1;
        const session = await runner.open(graph, target, batch);
        try {
          const results = await session.run({ [io.input.name]: Float32Array.from(io.input.data) });
          for (const output of io.outputs) {
            expect(relativeError(output.data, results[output.name]), `${name} on ${target}: ${output.name}`).toBeLessThanOrEqual(MAX_RELATIVE_ERROR);
          }
        } finally {
          session.dispose();
        }
      });
    }
  }
});
