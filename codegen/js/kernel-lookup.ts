// The lookup kernel (gather by run-time ids) in JS: each id is checked against the data's
// axis before any read; a bad one throws the shared message (LOOKUP_ERROR in runtime.ts).

import { formatValueName } from '../../ir/names.ts';
import type { LookupKernel } from '../kernels.ts';
import { stringLiteral } from '../namer.ts';
import type { CodeWriter } from '../writer.ts';
import { plus, renderExtent, type KernelScope } from './scope.ts';

export function emitLookup(kernel: LookupKernel, scope: KernelScope, body: CodeWriter): void {
  const out = scope.use(kernel.out);
  const data = scope.use(kernel.data);
  const ids = scope.use(kernel.ids);
  const count = renderExtent(kernel.count);
  const shown = stringLiteral(formatValueName(kernel.idsName));
  body.line(`const count = ${count};`);
  body.block('for (let k = 0; k < count; k++) {', () => {
    body.line(`let id = ${ids.array}[${plus(ids.base, 'k')}];`);
    body.line(`if (!(id >= ${-kernel.size} && id < ${kernel.size} && id === Math.trunc(id))) lookupError(${shown}, id, k, [${kernel.idsStrides.map(renderExtent).join(', ')}], ${kernel.size});`);
    body.line(`if (id < 0) id += ${kernel.size};`);
    body.block(`for (let o = 0; o < ${renderExtent(kernel.outer)}; o++) {`, () => {
      body.line(`const from = ${plus(data.base, `(o * ${kernel.size} + id) * ${kernel.inner}`)};`);
      body.line(`const to = ${plus(out.base, `(o * count + k) * ${kernel.inner}`)};`);
      body.line(`for (let i = 0; i < ${kernel.inner}; i++) ${out.array}[to + i] = ${data.array}[from + i];`);
    });
  });
}
