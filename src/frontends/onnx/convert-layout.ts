// Converters for ONNX's data-movement ops: Flatten, Reshape (constant target with ONNX's 0
// and -1), Transpose (up to rank 5: channel shuffle), Squeeze/Unsqueeze, and the ops that
// vanish at inference (Identity, Dropout) or only define data (Constant). On integer
// constants Reshape and Transpose are shape arithmetic, evaluated at import.

import { CompileError } from '../../../ir/errors.ts';
import { formatValueName } from '../../../ir/names.ts';
import { divideSize, shapeSize, sizeAsDim } from '../../../ir/sym-size.ts';
import { formatShape, formatType, isSymbolic, type Dim } from '../../../ir/types.ts';
import { operand, optionalOperand, type Converter } from './convert-math.ts';
import { intReshape, intTranspose, isMarker, markerSymbol } from './int-tensor.ts';
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
 * A result shape with symbols as the IR's reshape target: a symbol on the same axis of the
 * input is 0 (copy); one symbol elsewhere (or an ONNX -1) is -1, which the IR derives from
 * the sizes. With more than one such dim the IR target names the symbolic dims themselves
 * ([N*S, 32] → [S, N, 32]); an ONNX -1 among them must stand for a monomial.
 */
export function irReshapeTarget(input: readonly Dim[], outDims: readonly (Dim | -1)[], shown: readonly number[] | readonly Dim[] = outDims): Dim[] {
  let out = outDims;
  const minusOne = out.indexOf(-1);
  if (minusOne >= 0) {
    // An ONNX -1 that stands for a number ([8, 1, S] → [2, 4, -1, S], the 1 PyTorch's
    // mask.view(N, H, -1, S) means) is written as that number, leaving -1 to a moved symbol.
    const rest = divideSize(shapeSize(input), shapeSize(out.filter((d): d is Dim => d !== -1)));
    const dim = rest === undefined ? undefined : sizeAsDim(rest);
    if (dim !== undefined) out = out.map((d) => (d === -1 ? dim : d));
  }
  let free = 0;
  const target = out.map((d, i) => {
    if (d === -1 || (isSymbolic(d) && input[i] !== d)) {
      free++;
      return -1;
    }
    return isSymbolic(d) ? 0 : d;
  });
  if (free <= 1) return target;
  if (out.includes(-1)) throw new CompileError(`cannot derive the target ${formatShape(shown)} of ${formatShape(input)} from the symbols`);
  return out.map((d, i) => (isSymbolic(d) && input[i] === d ? 0 : d));
}

/** ONNX's target with markers read as their dims and 0 copying the input's dim (unless allowzero). */
function resolveTarget(input: readonly Dim[], target: readonly number[], allowZero: boolean): (Dim | -1)[] {
  const resolved = target.map((d, i): Dim | -1 => {
    if (isMarker(d)) return markerSymbol(d);
    if (d !== 0 || allowZero) return d;
    const copied = input[i];
    if (copied === undefined) throw new CompileError(`target ${formatShape(target)} copies dim ${i} (0), which ${formatShape(input)} does not have`);
    return copied;
  });
  if (resolved.some((d) => d === 0)) throw new CompileError(`target ${formatShape(target)} has a zero dim; fusegraph has no empty tensors`);
  if (resolved.filter((d) => d === -1).length > 1) throw new CompileError(`target ${formatShape(target)} has more than one -1`);
  return resolved;
}

/**
 * ONNX's target shape → fusegraph's. 0 copies the input's dim (unless allowzero); a symbol's
 * marker (from Shape at import) stands for that symbol.
 */
export function reshapeTarget(input: readonly Dim[], target: readonly number[], allowZero: boolean): Dim[] {
  const shown = target.map((d) => (isMarker(d) ? markerSymbol(d) : d));
  return irReshapeTarget(input, resolveTarget(input, target, allowZero), shown);
}

const reshape: Converter = (node, cx) => {
  const target = cx.knownInts(operand(node, 1), 'the target shape');
  const known = cx.known(operand(node, 0));
  if (known?.kind === 'int') {
    cx.defineConst(node.output, intReshape(known, target, node.int('allowzero', 0) !== 0));
    return;
  }
  const x = cx.value(operand(node, 0));
  try {
    const dims = reshapeTarget(x.type.shape, target, node.int('allowzero', 0) !== 0);
    const y = cx.builder.reshape(x, dims, node.output);
    // A symbolic dim the IR derived (-1) must be the one the ONNX target names (2*N, not 4*N).
    target.forEach((d, i) => {
      const got = y.type.shape[i];
      if (isMarker(d) && got !== markerSymbol(d)) {
        throw new CompileError(`cannot reshape ${formatShape(x.type.shape)} to ${formatShape(target.map((t) => (isMarker(t) ? markerSymbol(t) : t)))} (axis ${i} would be ${String(got)})`);
      }
    });
    cx.defineValue(node.output, y);
  } catch (error) {
    // Name the operand: a mis-shaped graph input (a padding mask of the wrong length, say)
    // usually first shows at a Reshape, far from where the input is declared.
    if (!(error instanceof CompileError)) throw error;
    throw new CompileError(`${formatValueName(x.name)} is ${formatType(x.type)}: ${error.detail}`, error.location);
  }
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

/**
 * Squeeze/Unsqueeze of a value whose symbols move to other axes ([S, N, 3, E] → [1, S, N, 3, E],
 * as PyTorch 2.x's packed in-projection exports it), which one IR reshape cannot say: the
 * size-1 axes go to (or come from) the end by a reshape that keeps every symbol on its axis,
 * and a transpose moves them into place.
 */
/** x with size-1 axes added or removed (`axes`, as Squeeze/Unsqueeze say): a reshape when one can say it. */
export function regroupValue(cx: Parameters<Converter>[1], x: ReturnType<Parameters<Converter>[1]['value']>, out: readonly Dim[], axes: readonly number[] | undefined, output: string): void {
  let target: Dim[];
  try {
    target = irReshapeTarget(x.type.shape, out);
  } catch (error) {
    if (!(error instanceof CompileError)) throw error;
    regroupAcrossSymbols(cx, x, out, axes, output);
    return;
  }
  cx.defineValue(output, cx.builder.reshape(x, target, output));
}

function regroupAcrossSymbols(cx: Parameters<Converter>[1], x: ReturnType<Parameters<Converter>[1]['value']>, out: readonly Dim[], axes: readonly number[] | undefined, output: string): void {
  const shape = x.type.shape;
  const rank = shape.length;
  if (out.length > rank) {
    const insert = normalizeAxes(axes ?? [], out.length);
    const padded = cx.builder.reshape(x, irReshapeTarget(shape, [...shape, ...Array<number>(insert.length).fill(1)]), `${output}.padded`);
    let next = 0;
    let extra = rank;
    const perm = out.map((_, i) => (insert.includes(i) ? extra++ : next++));
    cx.defineValue(output, cx.builder.transpose(padded, perm, output));
    return;
  }
  const drop = axes === undefined ? shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normalizeAxes(axes, rank);
  const kept = shape.map((_, i) => i).filter((i) => !drop.includes(i));
  const moved = cx.builder.transpose(x, [...kept, ...drop], `${output}.moved`);
  cx.defineValue(output, cx.builder.reshape(moved, irReshapeTarget(moved.type.shape, out), output));
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
    regroupValue(cx, x, shapeOf(x.type.shape, axes), axes, node.output);
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
