// The .d.ts of a WGSL bundle: the shared declarations (codegen/bundle-dts.ts), with a `load`
// that takes a GPU device and the largest batch to prepare for.

import { emitBundleDts } from '../bundle-dts.ts';
import type { LoweredProgram } from '../affine-kernels.ts';

/** `dims`: several symbols (run-time sizes): run takes `dims`, load takes `maxSizes`. */
export function emitWgslDts(program: LoweredProgram, dims = false): string {
  return emitBundleDts(program, {
    target: 'WGSL',
    pushResult: 'Promise<Results>',
    ...(dims ? { dims } : {}),
    loadOptions: [
      '/** A WebGPU GPUDevice; when absent one is requested from navigator.gpu (and destroyed by dispose). */',
      'readonly device?: object;',
      ...(dims
        ? ['/** The sizes to prepare the buffers for (`{ N: 8, S: 128 }`); a run needing more grows them (default: every symbol 1). */', 'readonly maxSizes?: Dims;']
        : ['/** The largest batch run() will accept; buffers are sized for it once (default 1024, capped by the limits). */', 'readonly maxBatch?: number;']),
    ],
  });
}
