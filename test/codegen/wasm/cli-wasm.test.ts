// `fusegraph compile --target wasm`: the bundle files, the listing with --emit-wat, the
// relaxed module with --wasm-relaxed, and the wasm-only flags refused for other targets.

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../support/temp-dir.ts';

const CLI = resolve(import.meta.dirname, '../../../src/bin/fusegraph.mjs');
const SEED = resolve(import.meta.dirname, '../../../examples/seed-mlp.ts');

function fusegraph(...args: string[]): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { status: result.status, stderr: result.stderr };
}

describe('fusegraph compile --target wasm', () => {
  it('writes the bundle, the .wat listings, and keeps the code part small', () => {
    const dir = tempDir('fusegraph-wasm-cli-');
    const result = fusegraph('compile', SEED, '--target', 'wasm', '--emit-wat', '--wasm-relaxed', '--weights', 'external', '-o', dir);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(readdirSync(dir).sort()).toEqual([
      'seed-mlp.d.mts', 'seed-mlp.d.ts', 'seed-mlp.mjs', 'seed-mlp.relaxed.wat', 'seed-mlp.wat', 'seed-mlp.weights.bin',
    ]);
    const wat = readFileSync(join(dir, 'seed-mlp.wat'), 'utf8');
    expect(wat).toMatch(/^\(module\n {2}\(import "env" "memory" \(memory \d+ 65536\)\)\n {2}\(export "memory" \(memory 0\)\)/);
    expect(wat).toContain('(func $run (export "run") (param $batch i32)');
    expect(wat).toContain('v128.load32_splat');
    expect(wat).not.toContain('relaxed_madd');
    expect(readFileSync(join(dir, 'seed-mlp.relaxed.wat'), 'utf8')).toContain('f32x4.relaxed_madd');
    // Issue 7: the code part of the seed MLP's bundle (both modules, no weights) under 20 KB, then
    // streaming, typed feeds and metadata.symbols joined every bundle (main alone: 22.0 KB);
    // issue 15's threads (the worker pool's source and thread plan, `work` and the barrier in
    // both modules) add ~12 KB (34.1 KB); the hooks of run-time sizes (dims, need, slots) ~0.3 KB (34.8 KB);
    // then runs that end with a named error when a thread fails (pool restarts, worker events)
    // and chunk claiming ~6.5 KB more (41.4 KB); dropping helpers nothing calls and the stream
    // runtime (no output of the MLP has an input's shape) ~7.2 KB less (34.1 KB).
    expect(readFileSync(join(dir, 'seed-mlp.mjs')).byteLength).toBeLessThan(34_600);
  });

  it('--wasm-threads off leaves out the thread pool (the seed MLP: 13.6 KB instead of 29.6 KB)', () => {
    const dir = tempDir('fusegraph-wasm-cli-');
    const result = fusegraph('compile', SEED, '--target', 'wasm', '--wasm-threads', 'off', '--weights', 'external', '-o', dir);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const source = readFileSync(join(dir, 'seed-mlp.mjs'), 'utf8');
    expect(source).not.toContain('WORKER_SOURCE');
    expect(source).toContain('const THREADS_UNAVAILABLE = "compiled without threads";');
    expect(Buffer.byteLength(source)).toBeLessThan(14_100);
    const bad = fusegraph('compile', SEED, '--target', 'wasm', '--wasm-threads', 'no', '-o', dir);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--wasm-threads expects on or off/);
    const js = fusegraph('compile', SEED, '--target', 'js', '--wasm-threads', 'off', '-o', dir);
    expect(js.status).toBe(2);
    expect(js.stderr).toMatch(/need --target wasm/);
  });

  it('refuses --emit-wat and --wasm-relaxed for other targets', () => {
    const dir = tempDir('fusegraph-wasm-cli-');
    const result = fusegraph('compile', SEED, '--target', 'js', '--emit-wat', '-o', dir);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/need --target wasm/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
