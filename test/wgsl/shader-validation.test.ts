// Every shader of many random graphs (hostile names included) compiles without errors or
// warnings in Dawn's Tint, on the null backend: validation only, so many more graphs than the
// execution tests can afford.

import { describe, it } from 'vitest';
import { arbGraph, assertGraphPropertyAsync, KERNEL_OPS } from '../arbitraries.ts';
import { validationDevice } from '../support/webgpu.ts';
import { checkShaders, prepared } from './run-wgsl.ts';

describe('WGSL shaders validate', () => {
  for (const variant of ['unoptimized', 'O2'] as const) {
    it(`on random graphs (${variant})`, async () => {
      const device = await validationDevice();
      await assertGraphPropertyAsync(arbGraph({ ops: KERNEL_OPS }), async (graph) => {
        const target = prepared(graph, variant);
        await checkShaders(device, target.graph, target.plan);
      }, { numRuns: 300 });
    });
  }
});
