// Lowering of `lstm`, `gru` and `rnn` to the recurrence kernel.

import { CompileError } from '../ir/errors.ts';
import type { Node } from '../ir/graph.ts';
import type { Kernel, BufferRef } from './kernels.ts';
import type { LowerContext } from './lower.ts';

export function lowerRecurrent(node: Node, _out: BufferRef, _ctx: LowerContext): Kernel {
  throw new CompileError('the code generator has no recurrence kernel yet', { node: node.name, op: node.op });
}
