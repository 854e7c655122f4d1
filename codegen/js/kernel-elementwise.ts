// Elementwise loop nests in JS (also transposes and copies): one loop per merged axis with
// literal bounds or bounds over the symbols, operand offsets stepped per axis,
// loop-invariant (fully broadcast) operands read once, the body from the shared renderer.

import { JS_SYNTAX, renderExpr } from '../expr-render.ts';
import { staticExtent, type ElementwiseKernel } from '../kernels.ts';
import type { CodeWriter } from '../writer.ts';
import { plus, renderExtent, times, type KernelScope } from './scope.ts';

export function emitElementwise(kernel: ElementwiseKernel, scope: KernelScope, body: CodeWriter): void {
  const depth = kernel.extents.length;
  const out = scope.use(kernel.out);
  const operands = kernel.operands.map((operand) => ({ ...scope.use(operand.buffer), strides: operand.strides }));
  const invariant = operands.map((op) => op.strides.every((s) => s.length === 0));
  operands.forEach((op, index) => {
    if (invariant[index] === true) body.line(`const v${index} = ${op.array}[${op.base}];`);
  });
  body.line(`let o = ${out.base};`);
  // Per operand, the offset expression reached at each depth: base + sum(i_a * stride_a).
  const offsets = operands.map((op) => op.base);
  const open = (axis: number): void => {
    if (axis === depth) {
      operands.forEach((op, index) => {
        if (invariant[index] !== true) body.line(`const v${index} = ${op.array}[${offsets[index] ?? '0'}];`);
      });
      const rendered = renderExpr(kernel.body, JS_SYNTAX, { operand: (i) => `v${i}`, localPrefix: 't' });
      body.all(rendered.statements);
      body.line(`${out.array}[o++] = ${rendered.value};`);
      return;
    }
    const bound = renderExtent(kernel.extents[axis] ?? staticExtent(1));
    body.block(`for (let i${axis} = 0; i${axis} < ${bound}; i${axis}++) {`, () => {
      const saved = [...offsets];
      operands.forEach((op, index) => {
        const step = times(`i${axis}`, op.strides[axis] ?? 0);
        if (step === '0' || invariant[index] === true) return;
        if (axis === depth - 1) offsets[index] = plus(saved[index] ?? '0', step);
        else {
          body.line(`const p${index}_${axis} = ${plus(saved[index] ?? '0', step)};`);
          offsets[index] = `p${index}_${axis}`;
        }
      });
      open(axis + 1);
      offsets.splice(0, offsets.length, ...saved);
    });
  };
  open(0);
}
