// The .d.ts of a WGSL bundle: the shared declarations (codegen/bundle-dts.ts), with a `load`
// that takes a GPU device and the largest batch to prepare for.

import { emitBundleDts } from '../bundle-dts.ts';
import type { LoweredProgram } from '../affine-kernels.ts';

export function emitWgslDts(program: LoweredProgram): string {
  return emitBundleDts(program, {
    target: 'WGSL',
    pushResult: 'Promise<Results>',
    loadOptions: [
      '/** A WebGPU GPUDevice; when absent one is requested from navigator.gpu (and destroyed by dispose). */',
      'readonly device?: object;',
      '/** The largest batch run() will accept; buffers are sized for it once (default 1024, capped by the limits). */',
      'readonly maxBatch?: number;',
    ],
  });
}
