// Kernel rewrites for run-time sizes (codegen/runtime-program.ts): axes that a symbol splits
// but that step through memory as one are merged ([N, S] → [N·S]) so the affine kernels, which
// take a symbol on their first axis only, still fit.

import { constSize, mulSizes, sameSize } from '../ir/sym-size.ts';
import type * as K from './kernels.ts';

/**
 * A gather's neighbouring axes a, a+1 read straight through (identity maps, not the region
 * axis) and contiguous in every source ([N, S, 32] of [N, S, 96]: strides 96·S, 96) become one
 * axis [N·S], so a split or concat on the last axis of [N, S, D] keeps static strides.
 */
export function mergeGatherAxes(kernel: K.GatherKernel): K.GatherKernel {
  let k = kernel;
  for (let a = k.extents.length - 2; a >= 0; a--) {
    const inner = k.extents[a + 1] ?? constSize(1);
    const regions = k.sources.some((source) => source.region !== undefined);
    const mergeable = (!regions || (a !== k.regionAxis && a + 1 !== k.regionAxis)) && k.sources.every((source) =>
      source.maps[a]?.kind === 'identity' && source.maps[a + 1]?.kind === 'identity'
      && sameSize(source.strides[a] ?? [], mulSizes(source.strides[a + 1] ?? [], inner)));
    if (!mergeable) continue;
    const merge = <T>(list: readonly T[], value: T): T[] => [...list.slice(0, a), value, ...list.slice(a + 2)];
    k = {
      ...k,
      extents: merge(k.extents, mulSizes(k.extents[a] ?? constSize(1), inner)),
      regionAxis: k.regionAxis > a + 1 ? k.regionAxis - 1 : Math.min(k.regionAxis, a),
      sources: k.sources.map((source) => ({ ...source, strides: merge(source.strides, source.strides[a + 1] ?? []), maps: merge(source.maps, { kind: 'identity' }) })),
    };
  }
  return k;
}

/**
 * An attention's leading dims [N, S] (q [N, S, sq, d]) as one [N·S] where the mask (if any)
 * steps through them as one: its emitters take a symbol on the first leading dim only.
 */
export function mergeAttentionLead(kernel: K.AttentionKernel): K.AttentionKernel {
  let k = kernel;
  for (let a = k.lead.length - 2; a >= 0; a--) {
    const inner = k.lead[a + 1] ?? constSize(1);
    const strides = k.mask?.leadStrides;
    if (strides !== undefined && !sameSize(strides[a] ?? [], mulSizes(strides[a + 1] ?? [], inner))) continue;
    const merge = <T>(list: readonly T[], value: T): T[] => [...list.slice(0, a), value, ...list.slice(a + 2)];
    const { mask } = k;
    k = {
      ...k, lead: merge(k.lead, mulSizes(k.lead[a] ?? constSize(1), inner)),
      ...(mask === undefined ? {} : { mask: { ...mask, leadStrides: merge(mask.leadStrides, mask.leadStrides[a + 1] ?? []) } }),
    };
  }
  return k;
}
