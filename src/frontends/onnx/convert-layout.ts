// Converters for ONNX's data-movement ops: Flatten, Reshape (constant target with ONNX's 0
// and -1), Transpose (up to rank 5: channel shuffle), Squeeze/Unsqueeze, and the ops that
// vanish at inference (Identity, Dropout) or only define data (Constant). On integer
// constants Reshape and Transpose are shape arithmetic, evaluated at import.

import { CompileError } from '../../../ir/errors.ts';
import { formatShape, isSymbolic, staticSize, type Dim } from '../../../ir/types.ts';
import { operand, optionalOperand, type Converter } from './convert-math.ts';
import { BATCH_MARKER, intReshape, intTranspose } from './int-tensor.ts';
import type { KnownTensor } from './tensor.ts';

const flatten: Converter = (node, cx) => {
  cx.defineValue(node.output, cx.builder.flatten(cx.value(operand(node, 0)), node.int('axis', 1), node.output));
};

const transpose: Converter = (node, cx) => {
  const known = cx.known(operand(node, 0));
  if (known?.kind === 'int') {
    cx.defineConst(node.output, intTranspose(known, node.ints('perm')));
    return;
  }
  const x = cx.value(operand(node, 0));
  const perm = node.ints('perm') ?? x.type.shape.map((_, i, all) => all.length - 1 - i);
  cx.defineValue(node.output, cx.builder.transpose(x, perm, node.output));
};

/**
 * ONNX's target shape → fusegraph's. 0 copies the input's dim (unless allowzero); a batched
 * input must keep its batch on axis 0, which fusegraph writes as a leading -1.
 */
export function reshapeTarget(input: readonly Dim[], target: readonly number[], allowZero: boolean): number[] {
  const resolved = target.map((d, i) => {
    if (d === BATCH_MARKER) {
      if (i !== 0 || !isSymbolic(input[0] ?? 1)) throw new CompileError(`target ${formatShape(target.map((t) => (t === BATCH_MARKER ? -1 : t)))} puts the batch on axis ${i}`);
      return input[0] ?? 1;
    }
    if (d !== 0 || allowZero) return d;
    const copied = input[i];
    if (copied === undefined) throw new CompileError(`target ${formatShape(target)} copies dim ${i} (0), which ${formatShape(input)} does not have`);
    return copied;
  });
  if (resolved.some((d) => d === 0)) throw new CompileError(`target ${formatShape(target)} has a zero dim; fusegraph has no empty tensors`);
  const first = resolved[0];
  if (!isSymbolic(input[0] ?? 1)) {
    if (resolved.some(isSymbolic)) throw new CompileError(`internal: symbolic dim in the target of a static reshape`);
    return resolved as number[];
  }
  if (first !== -1 && !isSymbolic(first ?? 0)) {
    throw new CompileError(`target ${formatShape(target)} would fold the batch of ${formatShape(input)} into other dims`);
  }
  const rest = resolved.slice(1);
  if (rest.some(isSymbolic)) throw new CompileError(`target ${formatShape(target)} moves the batch of ${formatShape(input)} off axis 0`);
  const restDims = rest as number[];
  const free = restDims.indexOf(-1);
  if (free >= 0) {
    if (first === -1 || restDims.lastIndexOf(-1) !== free) throw new CompileError(`target ${formatShape(target)} has more than one -1`);
    const known = restDims.filter((d) => d !== -1).reduce((n, d) => n * d, 1);
    const inferred = staticSize(input) / known;
    if (!Number.isInteger(inferred)) throw new CompileError(`cannot reshape ${formatShape(input)} to ${formatShape(target)}`);
    restDims[free] = inferred;
  }
  return [-1, ...restDims];
}

const reshape: Converter = (node, cx) => {
  const target = cx.knownInts(operand(node, 1), 'the target shape');
  const known = cx.known(operand(node, 0));
  if (known?.kind === 'int') {
    cx.defineConst(node.output, intReshape(known, target, node.int('allowzero', 0) !== 0));
    return;
  }
  const x = cx.value(operand(node, 0));
  const dims = reshapeTarget(x.type.shape, target, node.int('allowzero', 0) !== 0);
  cx.defineValue(node.output, cx.builder.reshape(x, dims, node.output));
};

function axesOf(node: Parameters<Converter>[0], cx: Parameters<Converter>[1]): number[] | undefined {
  const input = optionalOperand(node, 1);
  if (input !== undefined) return [...cx.knownInts(input, 'axes')];
  return node.ints('axes');
}

function normalizeAxes(axes: readonly number[], rank: number): number[] {
  const resolved = axes.map((a) => (a < 0 ? a + rank : a));
  if (resolved.some((a) => a < 0 || a >= rank) || new Set(resolved).size !== resolved.length) {
    throw new CompileError(`axes ${formatShape(axes)} are out of range or repeated for rank ${rank}`);
  }
  return resolved;
}

function squeezedShape(shape: readonly Dim[], axes: readonly number[] | undefined): Dim[] {
  const drop = axes === undefined ? shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normalizeAxes(axes, shape.length);
  for (const axis of drop) {
    if (shape[axis] !== 1) throw new CompileError(`cannot squeeze axis ${axis} of ${formatShape(shape)}: its size is not 1`);
  }
  return shape.filter((_, i) => !drop.includes(i));
}

function unsqueezedShape(shape: readonly Dim[], axes: readonly number[] | undefined): Dim[] {
  if (axes === undefined) throw new CompileError('expects axes');
  const rank = shape.length + axes.length;
  const insert = normalizeAxes(axes, rank);
  const out: Dim[] = [];
  let next = 0;
  for (let i = 0; i < rank; i++) out.push(insert.includes(i) ? 1 : (shape[next++] ?? 1));
  return out;
}

/** Squeeze/Unsqueeze: a constant gets a new shape; a computed value becomes a reshape. */
function regroup(shapeOf: (shape: readonly Dim[], axes: number[] | undefined) => Dim[]): Converter {
  return (node, cx) => {
    const name = operand(node, 0);
    const axes = axesOf(node, cx);
    const known = cx.known(name);
    if (known !== undefined) {
      const shape = shapeOf(known.shape, axes) as number[];
      cx.defineConst(node.output, { ...known, shape });
      return;
    }
    const x = cx.value(name);
    const shape = shapeOf(x.type.shape, axes);
    if (isSymbolic(x.type.shape[0] ?? 1) && !isSymbolic(shape[0] ?? 1)) {
      throw new CompileError(`would move the batch of ${formatShape(x.type.shape)} off axis 0 (result ${formatShape(shape)})`);
    }
    cx.defineValue(node.output, cx.builder.reshape(x, shape.map((d) => (isSymbolic(d) ? -1 : d)), node.output));
  };
}

const identity: Converter = (node, cx) => cx.alias(node.output, operand(node, 0));

/** Dropout is the identity at inference; its mask output and training mode are refused. */
const dropout: Converter = (node, cx) => {
  const mask = node.outputs[1];
  if (mask !== undefined && mask !== '') throw new CompileError('its mask output is only defined in training; fusegraph compiles inference');
  const training = optionalOperand(node, 2);
  if (training !== undefined) {
    const flag = cx.known(training);
    const on = flag === undefined || (flag.kind === 'int' ? flag.values.some((v) => v !== 0) : flag.data.some((v) => v !== 0));
    if (on) throw new CompileError('training_mode must be a constant false; fusegraph compiles inference');
  }
  cx.alias(node.output, operand(node, 0));
};

const constant: Converter = (node, cx) => {
  const value = node.tensor('value');
  const floats = node.floats('value_floats');
  const ints = node.ints('value_ints');
  let tensor: KnownTensor;
  if (value !== undefined) tensor = value;
  else if (node.has('value_float')) tensor = { kind: 'float', shape: [], data: Float32Array.of(node.float('value_float', 0)) };
  else if (floats !== undefined) tensor = { kind: 'float', shape: [floats.length], data: Float32Array.from(floats) };
  else if (node.has('value_int')) tensor = { kind: 'int', shape: [], values: [node.int('value_int', 0)] };
  else if (ints !== undefined) tensor = { kind: 'int', shape: [ints.length], values: ints };
  else throw new CompileError(`expects a value, value_float(s) or value_int(s) attribute, found ${node.attributeNames().join(', ') || 'none'}`);
  cx.defineConst(node.output, tensor);
};

export const LAYOUT_CONVERTERS: Readonly<Record<string, Converter>> = {
  Flatten: flatten,
  Reshape: reshape,
  Transpose: transpose,
  Squeeze: regroup(squeezedShape),
  Unsqueeze: regroup(unsqueezedShape),
  Identity: identity,
  Dropout: dropout,
  Constant: constant,
};
