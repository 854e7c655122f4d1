// `fusegraph ir` with pass flags, run as a user would (the bin launcher in a child process).

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PIPELINES } from '../../src/passes/pipeline.ts';

const ROOT = join(import.meta.dirname, '..', '..');

function fusegraph(...args: string[]): { stdout: string; stderr: string; status: number | null } {
  const result = spawnSync(process.execPath, [join(ROOT, 'src/bin/fusegraph.mjs'), ...args], { cwd: ROOT, encoding: 'utf8' });
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

describe('fusegraph ir with passes', () => {
  it('-O2 --print-after-all prints one dump per pass, the last one fused; --stats goes to stderr', () => {
    const { stdout, stderr, status } = fusegraph('ir', 'examples/seed-mlp.ts', '-O2', '--print-after-all', '--stats');
    expect(status).toBe(0);
    const headers = stdout.split('\n').filter((line) => line.startsWith('# IR after '));
    expect(headers.map((line) => line.split(' ')[3])).toEqual([...PIPELINES.O2]);
    expect(stdout.trimEnd().endsWith('return %logits\n}')).toBe(true);
    expect(stdout.slice(stdout.lastIndexOf('# IR after'))).toContain('%1 = linear(%x, %0.weight, %0.bias) {activation = relu} : f32[N,128]');
    expect(stderr).toMatch(/^pass\s+ms\s+nodes\s+constants/m);
    expect(stderr).toMatch(/fuse-linear-activation\s+[\d.]+\s+7 -> 6/);
    expect(stderr).toContain('memory plan: 1 slots, arena 128·N f32');
  });

  it('--passes and --print-after=<pass> show just that stage; bad names fail with exit 2', () => {
    const { stdout } = fusegraph('ir', 'examples/seed-mlp.ts', '--passes', 'dce,fuse-linear-activation', '--print-after=dce');
    expect(stdout.match(/^# IR after /gm)).toHaveLength(1);
    expect(stdout).toContain('%1 = relu(%0)');
    const both = fusegraph('ir', 'examples/seed-mlp.ts', '-O2', '--print-before=fuse-linear-activation', '--print-after=fuse-linear-activation').stdout;
    expect(both.match(/^# IR (before|after) fuse-linear-activation/gm)).toEqual(['# IR before fuse-linear-activation', '# IR after fuse-linear-activation']);
    const bad = fusegraph('ir', 'examples/seed-mlp.ts', '--passes', 'dce,nope');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("unknown pass 'nope'");
    expect(fusegraph('ir', 'examples/seed-mlp.ts', '-O7').status).toBe(2);
  });
});
