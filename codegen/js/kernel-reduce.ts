// Softmax and matmul in JS. Both follow the interpreter's order of operations (row max, f64
// sum of exp, one division; f64 dot products in index order), so they agree with it closely.

import { staticExtent, type MatmulKernel, type SoftmaxKernel } from '../kernels.ts';
import type { CodeWriter } from '../writer.ts';
import { plus, renderExtent, times, type KernelScope } from './scope.ts';

export function emitSoftmax(kernel: SoftmaxKernel, scope: KernelScope, body: CodeWriter): void {
  const x = scope.use(kernel.x);
  const out = scope.use(kernel.out);
  const inner = renderExtent(kernel.inner);
  const rows = (): void => {
    const at = (array: string, base: string): string => `${array}[${plus(base, 'base', inner === '1' ? 'k' : 'k * inner')}]`;
    body.line('let max = -Infinity;');
    body.line(`for (let k = 0; k < size; k++) max = Math.max(max, ${at(x.array, x.base)});`);
    body.line('let sum = 0;');
    body.line(`for (let k = 0; k < size; k++) sum += Math.exp(${at(x.array, x.base)} - max);`);
    body.line(`for (let k = 0; k < size; k++) ${at(out.array, out.base)} = Math.exp(${at(x.array, x.base)} - max) / sum;`);
  };
  body.line(`const size = ${renderExtent(kernel.size)};`);
  body.block(`for (let r = 0; r < ${renderExtent(kernel.outer)}; r++) {`, () => {
    // The softmax axis is innermost in the common case: one row per r, no inner loop.
    if (inner === '1') {
      body.line('const base = r * size;');
      rows();
      return;
    }
    body.line(`const inner = ${inner};`);
    body.block('for (let i = 0; i < inner; i++) {', () => {
      body.line('const base = r * size * inner + i;');
      rows();
    });
  });
}

export function emitMatmul(kernel: MatmulKernel, scope: KernelScope, body: CodeWriter): void {
  const a = scope.use(kernel.a);
  const b = scope.use(kernel.b);
  const out = scope.use(kernel.out);
  const [k, n] = ['k', 'n'];
  body.line(`const m = ${renderExtent(kernel.m)};`);
  body.line(`const k = ${renderExtent(kernel.k)};`);
  body.line(`const n = ${renderExtent(kernel.n)};`);
  body.line(`let o = ${out.base};`);
  const open = (axis: number, aOff: string, bOff: string): void => {
    if (axis === kernel.batch.length) {
      body.block('for (let i = 0; i < m; i++) {', () => {
        body.block(`for (let j = 0; j < ${n}; j++) {`, () => {
          body.line('let acc = 0;');
          const aAt = plus(aOff, `i * ${k}`, 't');
          const bAt = plus(bOff, `t * ${n}`, 'j');
          body.line(`for (let t = 0; t < ${k}; t++) acc += ${a.array}[${aAt}] * ${b.array}[${bAt}];`);
          body.line(`${out.array}[o++] = acc;`);
        });
      });
      return;
    }
    const extent = kernel.batch[axis] ?? staticExtent(1);
    body.block(`for (let q${axis} = 0; q${axis} < ${renderExtent(extent)}; q${axis}++) {`, () => {
      body.line(`const a${axis} = ${plus(aOff, times(`q${axis}`, kernel.aBatchStrides[axis] ?? 0))};`);
      body.line(`const b${axis} = ${plus(bOff, times(`q${axis}`, kernel.bBatchStrides[axis] ?? 0))};`);
      open(axis + 1, `a${axis}`, `b${axis}`);
    });
  };
  open(0, a.base, b.base);
}
