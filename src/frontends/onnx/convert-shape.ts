// Shape arithmetic as PyTorch exports `x.view(x.size(0), -1)`: Shape → Gather → Unsqueeze →
// Concat → Reshape. fusegraph shapes are static but for the batch, so these ops are
// evaluated at import time on integer constants, the batch carried as a marker that Reshape
// reads as "keep the batch". Any other use of them (on float data) is refused.

import { CompileError } from '../../../ir/errors.ts';
import { formatShape, isSymbolic } from '../../../ir/types.ts';
import { operand, type Converter } from './convert-math.ts';

/** Stands for the symbolic batch inside an integer constant (no real dim is this negative). */
export const BATCH_MARKER = -(2 ** 52);

const shape: Converter = (node, cx) => {
  const name = operand(node, 0);
  const known = cx.known(name);
  const dims = known !== undefined ? known.shape : cx.value(name).type.shape.map((d) => (isSymbolic(d) ? BATCH_MARKER : d));
  const rank = dims.length;
  const clamp = (i: number): number => Math.min(rank, Math.max(0, i < 0 ? i + rank : i));
  const start = clamp(node.int('start', 0));
  const end = clamp(node.has('end') ? node.int('end', rank) : rank);
  const values = dims.slice(start, Math.max(start, end));
  cx.defineConst(node.output, { kind: 'int', shape: [values.length], values });
};

const gather: Converter = (node, cx) => {
  const data = cx.knownInts(operand(node, 0), 'Gather\'s data (fusegraph gathers only from shapes)');
  const dataShape = cx.known(operand(node, 0))?.shape ?? [];
  const indicesName = operand(node, 1);
  const indices = cx.knownInts(indicesName, 'Gather\'s indices');
  const indicesShape = cx.known(indicesName)?.shape ?? [];
  if (dataShape.length !== 1 || node.int('axis', 0) !== 0) throw new CompileError(`gathers only along axis 0 of a 1-D shape, got data ${formatShape(dataShape)}`);
  const values = indices.map((i) => {
    const at = i < 0 ? i + data.length : i;
    const value = data[at];
    if (value === undefined) throw new CompileError(`index ${i} is out of range for ${data.length} values`);
    return value;
  });
  cx.defineConst(node.output, { kind: 'int', shape: [...indicesShape], values });
};

const concat: Converter = (node, cx) => {
  const parts = node.inputs.filter((name) => name !== '');
  const values: number[] = [];
  for (const part of parts) {
    const known = cx.known(part);
    if (known?.kind !== 'int' || known.shape.length !== 1) {
      throw new CompileError('fusegraph concatenates only 1-D integer shapes (as in x.view(x.size(0), -1)), not computed tensors');
    }
    values.push(...known.values);
  }
  cx.defineConst(node.output, { kind: 'int', shape: [values.length], values });
};

/** Cast of an integer shape to INT64/INT32 changes nothing fusegraph tracks. */
const cast: Converter = (node, cx) => {
  const name = operand(node, 0);
  const to = node.int('to', 0);
  const known = cx.known(name);
  if (known?.kind !== 'int' || (to !== 7 && to !== 6)) throw new CompileError('fusegraph casts only integer shapes to INT32/INT64');
  cx.defineConst(node.output, known);
};

export const SHAPE_CONVERTERS: Readonly<Record<string, Converter>> = { Shape: shape, Gather: gather, Concat: concat, Cast: cast };
