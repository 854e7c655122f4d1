// Messages for mistakes a user made (issue 14): an input name the model lacks, a bundle given
// where a model is expected, and the `ops` and `--version` answers those messages point to.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fusegraph } from './fusegraph-process.ts';

const MODEL = 'test/fixtures/pytorch/matmul_add.onnx';
const dir = mkdtempSync(join(tmpdir(), 'fusegraph-usage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('usage messages', () => {
  it('names the model\'s inputs when --input NAME=FILE names none of them', () => {
    writeFileSync(join(dir, 'x.json'), JSON.stringify({ shape: [1, 20], data: new Array(20).fill(0) }));
    const result = fusegraph('run', MODEL, '--input', `z=${join(dir, 'x.json')}`);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('fusegraph: error: unknown input z (inputs: x)\n');
  });

  it('says that verify and compile take a model, not a compiled bundle', () => {
    expect(fusegraph('compile', MODEL, '-o', dir).status).toBe(0);
    const bundle = join(dir, 'matmul_add.mjs');
    const verify = fusegraph('verify', bundle);
    expect(verify.status).toBe(2);
    expect(verify.stderr).toMatch(/verify takes a model \(\.onnx, \.json, \.ir, \.ts\), not a compiled bundle/);
    const compile = fusegraph('compile', bundle, '-o', join(dir, 'again'));
    expect(compile.status).toBe(2);
    expect(compile.stderr).toMatch(/this is a compiled fusegraph bundle, not a model/);
  });

  it('lists the supported ONNX ops, and prints the version', () => {
    const ops = fusegraph('ops');
    expect(ops.status).toBe(0);
    expect(ops.stdout).toMatch(/ONNX ops \(ai\.onnx opsets \d+ to \d+/);
    expect(ops.stdout).toMatch(/\bGemm\b/);
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(fusegraph('--version').stdout).toBe(`${version}\n`);
  });
});
