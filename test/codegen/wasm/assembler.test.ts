// The typed assembler: LEB128/f32 encodings against the binary format's examples, a small
// hand-assembled module that validates and computes, and a listing that names what the
// bytes hold.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeF32, encodeI32, encodeU32 } from '../../../codegen/wasm/leb128.ts';
import { ModuleAssembler } from '../../../codegen/wasm/module-assembler.ts';

function decodeU32(bytes: readonly number[]): number {
  let value = 0;
  bytes.forEach((byte, i) => { value += (byte & 0x7f) * 2 ** (7 * i); });
  return value;
}

function decodeI32(bytes: readonly number[]): number {
  let value = 0;
  bytes.forEach((byte, i) => { value += (byte & 0x7f) * 2 ** (7 * i); });
  const bits = 7 * bytes.length;
  return ((bytes[bytes.length - 1] ?? 0) & 0x40) !== 0 ? value - 2 ** bits : value;
}

describe('LEB128 and f32 encodings', () => {
  it('match the spec examples', () => {
    expect(encodeU32(0)).toEqual([0]);
    expect(encodeU32(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(encodeI32(-123456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(encodeI32(64)).toEqual([0xc0, 0x00]);
    expect(encodeI32(-64)).toEqual([0x40]);
    expect(encodeF32(1)).toEqual([0, 0, 0x80, 0x3f]);
  });

  it('round-trip every u32 and i32', () => {
    fc.assert(fc.property(fc.nat({ max: 0xffffffff }), (n) => decodeU32(encodeU32(n)) === n));
    fc.assert(fc.property(fc.integer({ min: -0x80000000, max: 0x7fffffff }), (n) => decodeI32(encodeI32(n)) === n));
  });
});

describe('ModuleAssembler', () => {
  it('assembles a validating module whose listing shows its instructions', () => {
    const module = new ModuleAssembler(65536);
    const scale = module.declare('scale', [{ name: 'count', type: 'i32' }], [], true);
    module.define(scale, (asm) => {
      const count = asm.param('count');
      const at = asm.local('i32', 'at');
      asm.i32Const(0).set(at).block('done').loop('each');
      asm.get(at).get(count).i32('i32.ge_u').brIf(1);
      asm.get(at).get(at).v128Load(0).f32x4Const(2).v128('f32x4.mul').f32x4Const(-1).v128('f32x4.add').v128Store(0);
      asm.get(at).i32Const(16).i32('i32.add').set(at).br(0).end().end();
    });
    const bytes = module.bytes();
    expect(WebAssembly.validate(bytes)).toBe(true);
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
    const memory = instance.exports.memory as WebAssembly.Memory;
    new Float32Array(memory.buffer).set([1, 2, 3, 4, 5, 6, 7, 8]);
    (instance.exports.scale as (count: number) => void)(32);
    expect(Array.from(new Float32Array(memory.buffer, 0, 9))).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 0]);
    const listing = module.listing();
    expect(listing).toContain('(func $scale (export "scale") (param $count i32)');
    expect(listing).toContain('v128.const f32x4 2 2 2 2');
    expect(listing).toMatch(/loop \$each\n\s+local.get \$at/);
  });

  it('refuses unbalanced blocks', () => {
    const module = new ModuleAssembler(0);
    const f = module.declare('f', [], []);
    module.define(f, (asm) => { asm.block('open'); });
    expect(() => module.bytes()).toThrow(/unbalanced/);
  });
});
