// Where `fusegraph compile` writes: bundles named after the model file (or --name, or
// -o NAME.mjs), wasm by default, weights external above the size limit, the sizes printed,
// and another model's bundle of the same name never overwritten without --force.

import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compile, EMBED_LIMIT_BYTES } from '../../src/compile.ts';
import { linear, toGraph } from '../../src/nn.ts';
import { fusegraph } from './fusegraph-process.ts';

const FIXTURES = 'test/fixtures/pytorch';
const dir = mkdtempSync(join(tmpdir(), 'fusegraph-out-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fusegraph compile output', () => {
  it('names the bundle after the model file, defaults to wasm, and prints code and weight sizes', () => {
    const out = join(dir, 'a');
    const result = fusegraph('compile', `${FIXTURES}/matmul_add.onnx`, '-o', out);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['matmul_add.d.mts', 'matmul_add.d.ts', 'matmul_add.mjs']);
    expect(readFileSync(join(out, 'matmul_add.mjs'), 'utf8')).toMatch(/^\/\/ fusegraph: compiled from matmul_add\.onnx \(path hash [0-9a-f]{16}\)\n\/\/ fusegraph wasm bundle/);
    expect(result.stdout).toMatch(/matmul_add\.mjs: wasm code [\d.]+ kB, weights [\d.]+ (kB|B) f32 embedded as [\d.]+ (kB|B) of base64/);
  });

  it('takes --name, or a file name ending in .mjs, and refuses both at once when they differ', () => {
    const out = join(dir, 'b');
    expect(fusegraph('compile', `${FIXTURES}/matmul_add.onnx`, '-o', out, '--name', 'classifier', '--target', 'js').status).toBe(0);
    expect(fusegraph('compile', `${FIXTURES}/residual.onnx`, '-o', join(out, 'twin.mjs')).status).toBe(0);
    expect(readdirSync(out).filter((f) => f.endsWith('.mjs')).sort()).toEqual(['classifier.mjs', 'twin.mjs']);
    const both = fusegraph('compile', `${FIXTURES}/residual.onnx`, '-o', join(out, 'x.mjs'), '--name', 'y');
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/names the bundle 'x' and --name names it 'y'/);
  });

  it('recompiles the same model in place, but refuses another model of the same name unless --force', () => {
    const out = join(dir, 'c');
    const other = join(dir, 'elsewhere');
    mkdirSync(other);
    copyFileSync(`${FIXTURES}/residual.onnx`, join(other, 'matmul_add.onnx'));
    expect(fusegraph('compile', `${FIXTURES}/matmul_add.onnx`, '-o', out).status).toBe(0);
    expect(fusegraph('compile', `${FIXTURES}/matmul_add.onnx`, '-o', out, '-O0').status).toBe(0);
    const before = readFileSync(join(out, 'matmul_add.mjs'), 'utf8');
    const refused = fusegraph('compile', join(other, 'matmul_add.onnx'), '-o', out);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/already holds the bundle of another matmul_add\.onnx; .*--force/);
    expect(readFileSync(join(out, 'matmul_add.mjs'), 'utf8')).toBe(before);
    expect(fusegraph('compile', join(other, 'matmul_add.onnx'), '-o', out, '--force').status).toBe(0);
    expect(readFileSync(join(out, 'matmul_add.mjs'), 'utf8')).not.toBe(before);
  });

  it('halves the weights with --weights-dtype and writes them beside the module with --weights external', () => {
    const out = join(dir, 'd');
    const result = fusegraph('compile', `${FIXTURES}/seed_mlp.onnx`, '-o', out, '--weights-dtype', 'bf16', '--weights', 'external', '--target', 'js');
    expect(result.status).toBe(0);
    expect(readdirSync(out)).toContain('seed_mlp.weights.bin');
    // 101,770 values, the second layer's packed weight padded from 10 to 16 columns (8-column panels).
    expect(readFileSync(join(out, 'seed_mlp.weights.bin')).byteLength).toBe((101_770 + 6 * 128) * 2);
    expect(result.stdout).toMatch(/weights 205\.1 kB bf16 in the weights file/);
    const bad = fusegraph('compile', `${FIXTURES}/seed_mlp.onnx`, '-o', out, '--weights-dtype', 'f8');
    expect(bad.stderr).toMatch(/--weights-dtype must be one of f32, f16, bf16, got 'f8'/);
  });

  it(`keeps weights over ${EMBED_LIMIT_BYTES} bytes out of the module by default (weights auto)`, () => {
    const big = toGraph(linear(1024, 1025), { name: 'big', inputShape: ['N', 1024] });
    const f32 = compile(big, { target: 'js' });
    expect(f32.weightBytes).toBeGreaterThan(EMBED_LIMIT_BYTES);
    expect(f32.weights).toBe('external');
    expect(f32.files.map((f) => f.name)).toContain('big.weights.bin');
    const f16 = compile(big, { target: 'js', weightsDtype: 'f16' });
    expect(f16.weights).toBe('embed');
    expect(f16.files.map((f) => f.name)).not.toContain('big.weights.bin');
  });
});
