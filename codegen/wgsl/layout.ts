// Where every tensor lives on the GPU. Each shader binds two storage buffers only, far inside
// the per-stage limit (4 in compatibility mode): a window of the weights (`consts`, read-only)
// and `data` (graph inputs, outputs and the arena, one region after another, offsets affine in
// the batch), plus a uniform holding the batch. Weights are packed into chunks no larger than
// maxBufferSize, each constant starting on a 256-byte boundary so a kernel can bind just the
// window of a chunk that holds its own constants (at most maxStorageBufferBindingSize).

import { CompileError } from '../../ir/errors.ts';
import type { Extent, LoweredProgram } from '../affine-kernels.ts';
import { addSizes, type SymSize } from '../../ir/sym-size.ts';
import type * as K from '../kernels.ts';
import type { RuntimeSizes } from '../runtime-sizes.ts';
import type { WgslLimits } from './limits.ts';

/** minStorageBufferOffsetAlignment (256 bytes) in f32 elements. */
export const CONST_ALIGN = 64;

export interface ConstPlace {
  readonly chunk: number;
  /** Offset in f32 elements inside the chunk (a multiple of CONST_ALIGN). */
  readonly offset: number;
}

export interface GpuLayout {
  /** Offset of each graph input's region in `data`, in f32 elements. */
  readonly inputs: readonly Extent[];
  readonly outputs: readonly Extent[];
  readonly arena: Extent;
  /** Size of `data` in f32 elements. */
  readonly dataSize: Extent;
  /** Where each constant lives. */
  readonly constants: readonly ConstPlace[];
  /** Size of each weight chunk in f32 elements; the weights file holds them one after another. */
  readonly constChunks: readonly number[];
}

function addExtent(a: Extent, b: Extent): Extent {
  return { perSample: a.perSample + b.perSample, fixed: a.fixed + b.fixed };
}

export function gpuLayout(program: LoweredProgram, limits: WgslLimits): GpuLayout {
  let cursor: Extent = { perSample: 0, fixed: 0 };
  const place = (size: Extent): Extent => {
    const offset = cursor;
    cursor = addExtent(cursor, size);
    return offset;
  };
  const inputs = program.inputs.map((tensor) => place(tensor.size));
  const outputs = program.outputs.map((tensor) => place(tensor.size));
  const arena = place(program.arenaSize);
  const chunkLimit = Math.floor(limits.maxBufferSize / 4);
  const bindingLimit = Math.floor(limits.maxStorageBufferBindingSize / 4);
  const chunks: number[] = [0];
  const constants = program.constants.map((constant): ConstPlace => {
    const size = constant.data.length;
    if (size > bindingLimit) {
      throw new CompileError(`WGSL target: the constant holds ${size * 4} bytes, more than one storage binding (maxStorageBufferBindingSize ${limits.maxStorageBufferBindingSize})`, { node: constant.label });
    }
    let chunk = chunks.length - 1;
    let offset = Math.ceil((chunks[chunk] ?? 0) / CONST_ALIGN) * CONST_ALIGN;
    if (offset + size > chunkLimit && offset > 0) {
      chunks.push(0);
      chunk += 1;
      offset = 0;
    }
    chunks[chunk] = offset + size;
    return { chunk, offset };
  });
  return { inputs, outputs, arena, dataSize: cursor, constants, constChunks: chunks };
}

/**
 * With several symbols: the same regions (inputs, outputs, arena) placed from the program's
 * polynomial sizes, each offset and the total a run-time size (codegen/runtime-sizes.ts); the
 * weights as gpuLayout places them.
 */
export function runtimeGpuLayout(program: LoweredProgram, source: K.LoweredProgram, sizes: RuntimeSizes, limits: WgslLimits): GpuLayout {
  const weights = gpuLayout(program, limits);
  let cursor: SymSize = [];
  const place = (size: SymSize): Extent => {
    const offset = sizes.extent(cursor);
    cursor = addSizes(cursor, size);
    return offset;
  };
  const inputs = source.inputs.map((tensor) => place(tensor.size));
  const outputs = source.outputs.map((tensor) => place(tensor.size));
  const arena = place(source.arenaSize);
  return { ...weights, inputs, outputs, arena, dataSize: sizes.extent(cursor) };
}
