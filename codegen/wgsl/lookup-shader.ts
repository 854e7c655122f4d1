// The lookup kernel (gather by run-time ids) in WGSL. The host checks every id before it
// uploads the feeds (checkIds in js/runtime.ts, same message as the other targets), so the
// ids must be a graph input or a constant (checked here, at compile time); ids computed on
// the GPU are refused. The shader still clamps each row into the table, so no invocation can
// read outside it whatever the buffer holds.

import { CompileError } from '../../ir/errors.ts';
import { gatherIdMessage } from '../../ir/ops/index.ts';
import type { LoweredProgram, LookupKernel } from '../affine-kernels.ts';
import { productExtent, scaleExtent } from '../affine-kernels.ts';
import { arrayOf, bufferBase, extentExpr, gridStrideShader, u32, type KernelLayout, type ShaderPlan } from './shader-common.ts';

export function lookupShader(kernel: LookupKernel, layout: KernelLayout): ShaderPlan {
  const count = kernel.count;
  const total = productExtent([kernel.outer, scaleExtent(count, kernel.inner)]);
  return gridStrideShader(kernel, total, (w) => {
    w.line(`let e = i % ${u32(kernel.inner)};`);
    w.line(`let k = (i / ${u32(kernel.inner)}) % (${extentExpr(count)});`);
    w.line(`let o = i / (${u32(kernel.inner)} * (${extentExpr(count)}));`);
    w.line(`let id = i32(${arrayOf(kernel.ids)}[${bufferBase(kernel.ids, layout)} + k]);`);
    w.line(`let row = u32(clamp(select(id, id + ${kernel.size}i, id < 0i), 0i, ${kernel.size - 1}i));`);
    w.line(`data[${bufferBase(kernel.out, layout)} + i] = ${arrayOf(kernel.data)}[${bufferBase(kernel.data, layout)} + (o * ${u32(kernel.size)} + row) * ${u32(kernel.inner)} + e];`);
  });
}

/**
 * The host checks of a program's lookups: [input index, ids name as shown, strides, size] per
 * lookup whose ids are a graph input. Constant ids are checked now; computed ids are refused.
 */
export function hostIdChecks(program: LoweredProgram): { input: number; idsName: string; strides: readonly number[]; size: number }[] {
  return program.kernels.flatMap((kernel) => {
    if (kernel.kind !== 'lookup') return [];
    const where = { node: kernel.label, op: kernel.op };
    if (kernel.ids.kind === 'input') return [{ input: kernel.ids.index, idsName: kernel.idsName, strides: kernel.idsStrides, size: kernel.size }];
    if (kernel.ids.kind === 'const') {
      const data = program.constants[kernel.ids.index]?.data ?? new Float32Array();
      const bad = data.findIndex((id) => !(Number.isInteger(id) && id >= -kernel.size && id < kernel.size));
      if (bad >= 0) {
        const position = kernel.idsStrides.map((s, a) => (a === 0 ? Math.floor(bad / s) : Math.floor(bad / s) % ((kernel.idsStrides[a - 1] ?? s) / s)));
        throw new CompileError(gatherIdMessage(kernel.idsName, data[bad] ?? NaN, position, kernel.size), where);
      }
      return [];
    }
    throw new CompileError('WGSL target: gather ids must be a graph input or a constant (ids computed on the GPU cannot be checked before the read)', where);
  });
}
