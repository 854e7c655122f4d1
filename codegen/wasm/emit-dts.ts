// The .d.ts of a wasm bundle: the shared declarations (codegen/bundle-dts.ts), and a Session
// that also offers `runSync` (synchronous once loaded).

import { emitBundleDts } from '../bundle-dts.ts';
import type { LoweredProgram } from '../affine-kernels.ts';

export function emitWasmDts(program: LoweredProgram): string {
  return emitBundleDts(program, {
    target: 'wasm',
    loadOptions: [
      '/** false: use the plain SIMD128 module even where relaxed SIMD validates. */',
      'readonly relaxedSimd?: boolean;',
    ],
    sessionMembers: [
      '/** The same computation, synchronous (the module is instantiated by load()). */',
      'runSync(feeds: Feeds): Results;',
      '/** Whether the relaxed-SIMD module was chosen. */',
      'readonly relaxedSimd: boolean;',
    ],
  });
}
