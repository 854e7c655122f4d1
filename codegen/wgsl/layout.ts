// Where every tensor lives on the GPU. Two storage buffers only, so each shader binds the
// same three resources and stays far inside the per-stage buffer limit (4 in compatibility
// mode): `consts` (all weights, read-only, fixed offsets) and `data` (graph inputs, outputs and
// the arena, one region after another, offsets affine in the batch), plus a uniform holding
// the batch.

import type { Extent, LoweredProgram } from '../kernels.ts';

export interface GpuLayout {
  /** Offset of each graph input's region in `data`, in f32 elements. */
  readonly inputs: readonly Extent[];
  readonly outputs: readonly Extent[];
  readonly arena: Extent;
  /** Size of `data` in f32 elements. */
  readonly dataSize: Extent;
  /** Offset of each constant in `consts`, in f32 elements. */
  readonly constants: readonly number[];
  readonly constSize: number;
}

function addExtent(a: Extent, b: Extent): Extent {
  return { perSample: a.perSample + b.perSample, fixed: a.fixed + b.fixed };
}

export function gpuLayout(program: LoweredProgram): GpuLayout {
  let cursor: Extent = { perSample: 0, fixed: 0 };
  const place = (size: Extent): Extent => {
    const offset = cursor;
    cursor = addExtent(cursor, size);
    return offset;
  };
  const inputs = program.inputs.map((tensor) => place(tensor.size));
  const outputs = program.outputs.map((tensor) => place(tensor.size));
  const arena = place(program.arenaSize);
  let constSize = 0;
  const constants = program.constants.map((constant) => {
    const offset = constSize;
    constSize += constant.data.length;
    return offset;
  });
  return { inputs, outputs, arena, dataSize: cursor, constants, constSize };
}
