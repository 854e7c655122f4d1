// Row chains: consecutive linear kernels that threads run without a barrier between them. When
// each kernel of a run reads its x row by row from the previous kernel's output and all split
// their rows alike (the same row count, in whole register blocks), a thread only ever reads
// rows it wrote itself, so it may go on to the next layer while the others are still busy: a
// deep MLP then needs one barrier per run instead of one per layer (threads.ts, emitWork).

import type { Extent, Kernel, LinearKernel } from '../affine-kernels.ts';
import { addressOf, type WasmLayout } from './memory-layout.ts';

/** A row-major region a chain kernel touches: its start, rows and bytes per row. */
interface Region {
  readonly start: Extent;
  readonly rows: Extent;
  readonly rowBytes: number;
}

/** The batches at which an affine value a·b + c is positive, as [from, to] (to Infinity: unbounded). */
function positiveFrom(value: Extent): readonly [number, number] | undefined {
  if (value.perSample === 0) return value.fixed > 0 ? [1, Infinity] : undefined;
  const root = -value.fixed / value.perSample;
  if (value.perSample > 0) return [Math.max(1, Math.floor(root) + 1), Infinity];
  const last = Math.ceil(root) - 1;
  return last >= 1 ? [1, last] : undefined;
}

function minus(a: Extent, b: Extent): Extent {
  return { perSample: a.perSample - b.perSample, fixed: a.fixed - b.fixed };
}

function endOf(region: Region): Extent {
  return { perSample: region.start.perSample + region.rows.perSample * region.rowBytes, fixed: region.start.fixed + region.rows.fixed * region.rowBytes };
}

/** Whether two regions share a byte at some batch ≥ 1. */
function overlap(a: Region, b: Region): boolean {
  const first = positiveFrom(minus(endOf(b), a.start));
  const second = positiveFrom(minus(endOf(a), b.start));
  if (first === undefined || second === undefined) return false;
  return Math.max(first[0], second[0]) <= Math.min(first[1], second[1]);
}

function same(a: Region, b: Region): boolean {
  return a.rowBytes === b.rowBytes && sameExtent(a.start, b.start) && sameExtent(a.rows, b.rows);
}

function sameExtent(a: Extent, b: Extent): boolean {
  return a.perSample === b.perSample && a.fixed === b.fixed;
}

/** Whether `next` may follow the chain `kernels` without a barrier. */
function extends_(kernels: readonly LinearKernel[], next: LinearKernel, layout: WasmLayout): boolean {
  const last = kernels[kernels.length - 1];
  if (last === undefined || !sameExtent(last.rows, next.rows)) return false;
  const regions = (kernel: LinearKernel): Region[] => [
    { start: addressOf(layout, kernel.x), rows: kernel.rows, rowBytes: kernel.inFeatures * 4 },
    { start: addressOf(layout, kernel.out), rows: kernel.rows, rowBytes: kernel.outFeatures * 4 },
  ];
  const [x, out] = regions(next) as [Region, Region];
  // The handoff: next reads, row by row, exactly what the chain's last kernel wrote.
  if (!same(x, regions(last)[1] as Region)) return false;
  // Any other region of the chain is the same rows as next's output (a buffer reused at the
  // same width: each thread still touches only its rows) or lies apart from it.
  const earlier = kernels.flatMap(regions);
  return !overlap(x, out) && earlier.every((region) => same(region, out) || !overlap(region, out));
}

/**
 * Per kernel, whether the kernel after it continues its row chain (no barrier between them).
 * `splits` says which kernels may split at all; chains hold linear kernels whose epilogue
 * reads constants only (arena operands would be read whole, by every thread).
 */
export function rowChains(kernels: readonly Kernel[], layout: WasmLayout, splits: (kernel: Kernel) => boolean): boolean[] {
  const chained = kernels.map(() => false);
  const eligible = (kernel: Kernel | undefined): kernel is LinearKernel =>
    kernel?.kind === 'linear' && splits(kernel) && kernel.epilogue.operands.every((access) => access.buffer.kind === 'const');
  let chain: LinearKernel[] = [];
  kernels.forEach((kernel, index) => {
    const previous = kernels[index - 1];
    if (eligible(kernel) && eligible(previous) && chain.length > 0 && extends_(chain, kernel, layout)) {
      chained[index - 1] = true;
      chain.push(kernel);
    } else {
      chain = eligible(kernel) ? [kernel] : [];
    }
  });
  return chained;
}
