// The .d.ts of a wasm bundle: the shared declarations (codegen/bundle-dts.ts), and a Session
// that also offers `runSync` (synchronous once loaded) and says how many threads `run` uses.

import { emitBundleDts } from '../bundle-dts.ts';
import type { LoweredProgram } from '../affine-kernels.ts';

/** `dims`: the bundle binds several symbols at run time and takes their values where lengths cannot tell them apart. */
export function emitWasmDts(program: LoweredProgram, dims = false): string {
  return emitBundleDts(program, {
    target: 'wasm',
    ...(dims ? { dims } : {}),
    loadOptions: [
      '/** false: use the plain SIMD128 module even where relaxed SIMD validates. */',
      'readonly relaxedSimd?: boolean;',
      '/** Threads that run() splits the work between (default: the available parallelism, at most 8; 1 without SharedArrayBuffer). */',
      'readonly threads?: number;',
    ],
    sessionMembers: [
      '/** The same computation, synchronous (the module is instantiated by load()). */',
      dims ? 'runSync(feeds: Feeds, dims?: Dims): Results;' : 'runSync(feeds: Feeds): Results;',
      '/** Whether the relaxed-SIMD module was chosen. */',
      'readonly relaxedSimd: boolean;',
      '/** The threads run() uses (runSync always uses the calling thread alone). */',
      'readonly threads: number;',
      '/** Why `threads` is what it is (e.g. no SharedArrayBuffer in a page that is not cross-origin isolated). */',
      'readonly threadsReason: string;',
    ],
  });
}
