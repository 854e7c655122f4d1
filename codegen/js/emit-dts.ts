// The .d.ts of a JS bundle: the shared declarations (codegen/bundle-dts.ts) plus the
// synchronous module-level `run`.

import { emitBundleDts } from '../bundle-dts.ts';
import type { LoweredProgram } from '../kernels.ts';

export function emitJsDts(program: LoweredProgram): string {
  return emitBundleDts(program, {
    target: 'JS',
    declarations: [
      '/** Runs the model synchronously; the symbols are inferred from the feed lengths (and `dims`). */',
      'export declare function run(feeds: Feeds, dims?: Dims): Results;',
    ],
    dims: true,
  });
}
