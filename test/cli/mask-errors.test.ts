// The CLI on key padding masks of the wrong shape, in child processes: a model declaring a
// mask that cannot fit its attention, and a mask file of the wrong shape for `run`, are each
// one line and exit 2; a correct masked model runs without warning about its -inf mask fill.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { misdeclaredMaskModel } from '../support/masked-models.ts';
import { readPytorchSeq } from '../support/pytorch-seq-fixtures.ts';
import { fusegraph } from './fusegraph-process.ts';
import { tempDir } from '../support/temp-dir.ts';

const dir = tempDir('fusegraph-mask-errors-');
const MODEL = 'test/fixtures/pytorch-seq/mha_kpm_batch_first.onnx';

function file(name: string, contents: Uint8Array | string): string {
  const path = join(dir, name);
  writeFileSync(path, contents);
  return path;
}

const { io } = readPytorchSeq('mha_kpm_batch_first');
const x = file('x.json', JSON.stringify({ shape: io.input.shape, data: io.input.data }));
const rows = (length: number, count = 2): number[][] => Array.from({ length: count }, (_, r) => Array.from({ length }, (_, j) => (r === 1 && j >= 5 ? 1 : 0)));

describe('CLI: key padding masks', () => {
  it('a model whose mask input cannot fit its attention: one line naming the node and the mask, exit 2', () => {
    const model = file('bad_mask.onnx', misdeclaredMaskModel(6));
    const { status, stdout, stderr } = fusegraph('compile', model, '-o', join(dir, 'out'));
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(`fusegraph: error: ${model}: %"/mha/Reshape_3" (Reshape): %mask is bool[2,6]: cannot reshape [2,6] (12 values) to [2,1,1,7] (14)\n`);
  });

  it('run: a mask file of the wrong shape is one line, exit 2; the right one runs without warnings', () => {
    const bad = file('mask_bad.json', JSON.stringify(rows(6)));
    const failed = fusegraph('run', MODEL, '--input', `x=${x}`, '--input', `mask=${bad}`);
    expect(failed.status).toBe(2);
    expect(failed.stderr).toBe(`fusegraph: error: ${bad}: input %mask needs bool[2,7], found [2,6]\n`);
    const good = file('mask.json', JSON.stringify(rows(7)));
    const ran = fusegraph('run', MODEL, '--input', `x=${x}`, '--input', `mask=${good}`);
    expect(ran.stderr).toBe('');
    expect(ran.status).toBe(0);
    expect(ran.stdout).toMatch(/^y: f32\[2,7,32\]/);
  });
});
