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

/**
 * Checks a file's tensor against an input and returns its batch: the file's shape must
 * equal the input's but for a symbolic first dim; one sample without its batch dim counts
 * as a batch of 1. A shapeless .bin must hold a whole number of samples.
 */
export function batchOf(spec: TensorSpec, tensor: FileTensor, file: string): number {
  const symbolic = typeof spec.shape[0] === 'string';
  const sample = spec.shape.reduce<number>((n, d) => n * (typeof d === 'number' ? d : 1), 1);
  const fail = (found: string): never => {
    throw new CompileError(`input ${formatValueName(spec.name)} needs f32${formatShape(spec.shape)}, found ${found}`, { file });
  };
  if (tensor.shape === undefined) {
    if (tensor.data.length === 0 || tensor.data.length % sample !== 0 || (!symbolic && tensor.data.length !== sample)) {
      fail(`${tensor.data.length} values (give --shape)`);
    }
    return symbolic ? tensor.data.length / sample : 1;
  }
  const shape = tensor.shape;
  const rest = symbolic ? spec.shape.slice(1) : spec.shape;
  const matches = (dims: readonly number[]): boolean => dims.length === rest.length && dims.every((d, i) => d === rest[i]);
  if (symbolic && matches(shape)) return 1;
  if (symbolic && shape.length === spec.shape.length && matches(shape.slice(1)) && (shape[0] ?? 0) > 0) return shape[0] ?? 1;
  if (!symbolic && shape.length === spec.shape.length && shape.every((d, i) => d === spec.shape[i])) return 1;
  return fail(`f32${formatShape(shape)}`);
}

export function concreteOf(shape: readonly (number | string)[], batch: number): number[] {
  return shape.map((d) => (typeof d === 'string' ? batch : d));
}
