// `fusegraph compile`: writes the bundle's files (and nothing else) to the output directory,
// and leaves no file at all when compiling fails.

import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../support/temp-dir.ts';

const CLI = resolve(import.meta.dirname, '../../../src/bin/fusegraph.mjs');
const SEED = resolve(import.meta.dirname, '../../../examples/seed-mlp.ts');

function fusegraph(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('fusegraph compile', () => {
  it('writes the module, its declarations and external weights', () => {
    const dir = tempDir('fusegraph-cli-');
    const result = fusegraph('compile', SEED, '--target', 'js', '-O0', '-o', dir, '--weights', 'external');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['seed-mlp.d.mts', 'seed-mlp.d.ts', 'seed-mlp.mjs', 'seed-mlp.weights.bin']);
  });

  it('fails with a one-line error and writes nothing on a bad option or a missing model', () => {
    const dir = tempDir('fusegraph-cli-');
    const badLevel = fusegraph('compile', SEED, '-O3', '-o', dir);
    expect(badLevel.status).toBe(2);
    expect(badLevel.stderr).toMatch(/unknown optimization level -O3/);
    const missing = fusegraph('compile', join(dir, 'nope.ts'), '-o', dir);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/file not found/);
    const badTarget = fusegraph('compile', SEED, '--target', 'c', '-o', dir);
    expect(badTarget.stderr).toMatch(/unknown target 'c'/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
