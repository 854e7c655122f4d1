// The tensor files `fusegraph run` reads and writes: .npy as NumPy writes it (f4, f8, f2,
// 1-D shapes), JSON nested arrays, raw .bin; malformed files are CompileErrors.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CompileError } from '../../ir/errors.ts';
import { encodeNpy, readTensorFile } from '../../src/cli/tensor-files.ts';
import { tempDir } from '../support/temp-dir.ts';

const NPY = 'test/fixtures/npy';
const dir = tempDir('fusegraph-tensors-');
const file = (name: string, contents: string | Uint8Array): string => {
  writeFileSync(join(dir, name), contents);
  return join(dir, name);
};

describe('tensor files', () => {
  it('reads NumPy\'s f4, f8, f2 and i8 files and 1-D shapes', () => {
    const want = [1.5, -2, 0.25, 3, Math.fround(4e-3), Math.fround(-1e30)];
    expect(readTensorFile(`${NPY}/f4.npy`)).toEqual({ shape: [2, 3], data: Float32Array.from(want) });
    expect(readTensorFile(`${NPY}/f8.npy`)).toEqual({ shape: [2, 3], data: Float32Array.from(want) });
    expect(readTensorFile(`${NPY}/f2.npy`)).toEqual({ shape: [3], data: Float32Array.of(1, -2, 0.5) });
    expect(readTensorFile(`${NPY}/vector.npy`)).toEqual({ shape: [5], data: Float32Array.of(0, 1, 2, 3, 4) });
    expect(readTensorFile(`${NPY}/i8.npy`)).toEqual({ shape: [3], data: Float32Array.of(0, 1, 2) }); // int64 ids, fed to i32 inputs
  });

  it('writes .npy files it reads back, NumPy\'s header layout included', () => {
    const path = file('out.npy', encodeNpy([2, 3], Float32Array.of(1, 2, 3, 4, 5, 6)));
    expect(readTensorFile(path)).toEqual({ shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) });
    expect(encodeNpy([5], new Float32Array(5)).length % 64).toBe(20 % 64);
  });

  it('reads JSON nested arrays and { shape, data }, with non-finite values as strings', () => {
    expect(readTensorFile(file('a.json', '[[1, 2], [3, "NaN"]]')).shape).toEqual([2, 2]);
    expect(readTensorFile(file('b.json', '{"shape": [3, 1], "data": [1, "-Infinity", 3]}')).data[1]).toBe(-Infinity);
    expect(() => readTensorFile(file('c.json', '[[1, 2], [3]]'))).toThrow(/c\.json: the nested arrays are not rectangular/);
    expect(() => readTensorFile(file('d.json', '{"shape": [2, 2], "data": [1, 2, 3]}'))).toThrow(/does not match 3 values/);
  });

  it('reads raw f32 .bin with a shape and refuses broken files', () => {
    const bin = file('x.bin', new Uint8Array(Float32Array.of(1, 2, 3, 4).buffer));
    expect(readTensorFile(bin, [2, 2])).toEqual({ shape: [2, 2], data: Float32Array.of(1, 2, 3, 4) });
    expect(() => readTensorFile(bin, [3, 2])).toThrow(/--shape \[3,2\] needs 6 values, the file holds 4/);
    expect(() => readTensorFile(file('odd.bin', new Uint8Array(7)))).toThrow(/multiple of 4 bytes/);
    const truncated = encodeNpy([2, 3], new Float32Array(6)).subarray(0, 100);
    expect(() => readTensorFile(file('cut.npy', truncated))).toThrow(CompileError);
    expect(() => readTensorFile(file('junk.npy', 'not numpy at all'))).toThrow(/bad magic/);
  });
});
