// ONNX Expand on constants, evaluated at import: PyTorch's exporter builds an RNN's zero
// initial state as Expand(Constant 0, Concat(…Shape(x)…)), whose shape the importer already
// knows. Expand of a computed value is refused (it would need a broadcast op of its own).

import { CompileError } from '../../../ir/errors.ts';
import { broadcastShapes, broadcastStrides } from '../../../ir/ops/index.ts';
import { sizeOf, stridesOf } from '../../../ir/types.ts';
import { operand, type Converter } from './convert-math.ts';

const expand: Converter = (node, cx) => {
  const dataName = operand(node, 0);
  const known = cx.known(dataName);
  if (known === undefined) throw new CompileError('Expand of a computed value is not supported: fusegraph evaluates Expand only on constants (such as an exported zero initial state)');
  const target = cx.knownInts(operand(node, 1), 'the shape of Expand');
  const shape = broadcastShapes([known.shape, target]) as number[];
  const strides = broadcastStrides(known.shape, shape);
  const outStrides = stridesOf(shape);
  const read = (flat: number): number => {
    let at = 0;
    let rest = flat;
    shape.forEach((_, axis) => {
      const coord = Math.floor(rest / (outStrides[axis] ?? 1));
      rest -= coord * (outStrides[axis] ?? 1);
      at += coord * (strides[axis] ?? 0);
    });
    return at;
  };
  const count = sizeOf(shape);
  if (known.kind === 'float') {
    cx.defineConst(node.output, { kind: 'float', shape, data: Float32Array.from({ length: count }, (_, i) => known.data[read(i)] ?? NaN) });
  } else {
    cx.defineConst(node.output, { kind: 'int', shape, values: Array.from({ length: count }, (_, i) => known.values[read(i)] ?? 0) });
  }
};

export const EXPAND_CONVERTERS: Readonly<Record<string, Converter>> = { Expand: expand };
