// `fusegraph compile --target wgsl --wgsl-f16`: the bundle embeds the f16 variants of its
// inner products (without the flag it has none), and the flag is refused for other targets.

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp-dir.ts';

const CLI = resolve(import.meta.dirname, '../../src/bin/fusegraph.mjs');
const SEED = resolve(import.meta.dirname, '../../examples/seed-mlp.ts');

function fusegraph(...args: string[]): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { status: result.status, stderr: result.stderr };
}

describe('fusegraph compile --target wgsl --wgsl-f16', () => {
  it('embeds f16 variants only when asked, and only for the wgsl target', () => {
    const dir = tempDir('fusegraph-wgsl-cli-');
    for (const [flags, name] of [[['--wgsl-f16'], 'half'], [[], 'full']] as const) {
      const result = fusegraph('compile', SEED, '--target', 'wgsl', ...flags, '--name', name, '-o', dir);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    }
    const half = readFileSync(join(dir, 'half.mjs'), 'utf8');
    // Both linear layers of the seed MLP.
    expect(half.match(/enable f16;/g)?.length).toBe(2);
    expect(readFileSync(join(dir, 'full.mjs'), 'utf8')).toContain('const F16_SHADERS = {};');
    const refused = fusegraph('compile', SEED, '--target', 'js', '--wgsl-f16', '--name', 'js', '-o', dir);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/--wgsl-f16 needs --target wgsl/);
    expect(readdirSync(dir).filter((file) => file.startsWith('js'))).toEqual([]);
  });
});
