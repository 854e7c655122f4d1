// Matching files to a model's inputs for `fusegraph run`: which file feeds which input, a
// file's shape checked against the input's (any batch), and concrete output shapes.

import type { DType } from '../../ir/types.ts';
import { existsSync } from 'node:fs';
import { CompileError } from '../../ir/errors.ts';
import { formatName, formatValueName } from '../../ir/names.ts';
import { formatShape } from '../../ir/types.ts';
import type { FileTensor } from './tensor-files.ts';

export interface TensorSpec {
  readonly name: string;
  readonly shape: readonly (number | string)[];
  /** The element type (bundle metadata and graphs say it; absent means f32). */
  readonly dtype?: DType;
}

/** `--input FILE` or `--input NAME=FILE`, assigned to the model's inputs. */
export function assignInputs(specs: readonly TensorSpec[], args: readonly string[]): Map<string, string> {
  const assigned = new Map<string, string>();
  for (const arg of args) {
    const eq = arg.indexOf('=');
    const named = eq > 0 && specs.some((s) => s.name === arg.slice(0, eq));
    if (named) {
      assigned.set(arg.slice(0, eq), arg.slice(eq + 1));
      continue;
    }
    // NAME=FILE naming no input (and no file of that whole name): say which inputs there are.
    if (eq > 0 && !existsSync(arg)) {
      throw new CompileError(`unknown input ${formatName(arg.slice(0, eq))} (inputs: ${specs.map((s) => formatName(s.name)).join(', ')})`);
    }
    const free = specs.filter((s) => !assigned.has(s.name));
    const [first] = free;
    if (free.length !== 1 || first === undefined || args.length !== 1) {
      throw new CompileError(`the model has inputs ${specs.map((s) => formatValueName(s.name)).join(', ')}: name each, e.g. --input ${specs[0]?.name ?? 'x'}=FILE`);
    }
    assigned.set(first.name, arg);
  }
  const missing = specs.filter((s) => !assigned.has(s.name));
  if (missing.length > 0) throw new CompileError(`no --input for ${missing.map((s) => formatValueName(s.name)).join(', ')}`);
  return assigned;
}

/** Symbols bound so far while reading the input files, with the input that bound each. */
export type BoundDims = Map<string, { readonly value: number; readonly input: string }>;

/**
 * Checks a file's tensor against an input and binds the input's symbols: the file's shape
 * must equal the input's, any size on a symbolic axis (one sample without its leading
 * symbolic dim counts as 1 of it). A shapeless .bin must leave at most one symbol unknown.
 * A symbol the file contradicts is an error naming both inputs (as the interpreter says it).
 */
export function bindInputDims(spec: TensorSpec, tensor: FileTensor, file: string, bound: BoundDims): void {
  const fail = (found: string): never => {
    throw new CompileError(`input ${formatValueName(spec.name)} needs ${spec.dtype ?? 'f32'}${formatShape(spec.shape)}, found ${found}`, { file });
  };
  const bind = (symbol: string, value: number): void => {
    const known = bound.get(symbol);
    if (known !== undefined && known.value !== value) {
      throw new CompileError(`input ${formatValueName(spec.name)} has ${symbol} = ${value}, but input ${formatValueName(known.input)} has ${symbol} = ${known.value}`, { file });
    }
    bound.set(symbol, { value, input: spec.name });
  };
  if (tensor.shape === undefined) {
    const open = [...new Set(spec.shape.filter((d): d is string => typeof d === 'string' && !bound.has(d)))];
    const known = spec.shape.reduce<number>((n, d) => n * (typeof d === 'number' ? d : (bound.get(d)?.value ?? 1)), 1);
    const [symbol] = open;
    const power = spec.shape.filter((d) => d === symbol).length;
    if (open.length > 1 || power > 1) fail(`${tensor.data.length} values (give --shape)`);
    if (symbol === undefined) {
      if (tensor.data.length !== known) fail(`${tensor.data.length} values (give --shape)`);
      return;
    }
    if (tensor.data.length === 0 || tensor.data.length % known !== 0) fail(`${tensor.data.length} values (give --shape)`);
    bind(symbol, tensor.data.length / known);
    return;
  }
  const shape = tensor.shape;
  const leading = spec.shape[0];
  const full = shape.length === spec.shape.length ? shape : typeof leading === 'string' && shape.length === spec.shape.length - 1 ? [1, ...shape] : undefined;
  if (full === undefined || !spec.shape.every((d, i) => typeof d === 'string' ? (full[i] ?? 0) > 0 : d === full[i])) return fail(formatShape(shape));
  spec.shape.forEach((d, i) => {
    if (typeof d === 'string') bind(d, full[i] ?? 1);
  });
}

/** The batch of a single-symbol input (kept for callers of the single-batch era). */
export function batchOf(spec: TensorSpec, tensor: FileTensor, file: string): number {
  const bound: BoundDims = new Map();
  bindInputDims(spec, tensor, file, bound);
  return [...bound.values()][0]?.value ?? 1;
}

export function concreteOf(shape: readonly (number | string)[], dims: number | ReadonlyMap<string, number>): number[] {
  return shape.map((d) => (typeof d === 'string' ? (typeof dims === 'number' ? dims : (dims.get(d) ?? 1)) : d));
}
