// The input-box and data options shared by `inspect`, `compile --prune`, `ir` and `bench`:
// --input-range lo,hi (one interval for every input value), --input-box-from <file> (each
// feature's min and max over a data file), --data and --scale.

import { CompileError } from '../../ir/errors.ts';
import type { Graph } from '../../ir/graph.ts';
import type { InputBox } from '../analysis/propagate-bounds.ts';
import { dataBox, parseScale, readDataSet, type DataSet } from './data-file.ts';

export interface BoxFlags {
  readonly inputRange?: string;
  readonly inputBoxFrom?: string;
  readonly scale?: string;
}

export interface DescribedBox {
  readonly box: InputBox;
  readonly description: string;
}

/** "lo,hi" with finite lo <= hi. */
export function parseRange(text: string): { lo: number; hi: number } {
  const parts = text.split(',').map((p) => p.trim());
  const [lo, hi] = parts.map(Number);
  if (parts.length !== 2 || lo === undefined || hi === undefined || parts.some((p) => p === '') || !Number.isFinite(lo) || !Number.isFinite(hi)) {
    throw new CompileError(`--input-range must be two finite numbers lo,hi, got '${text}'`);
  }
  if (lo > hi) throw new CompileError(`--input-range needs lo <= hi, got lo = ${lo} > hi = ${hi}`);
  return { lo, hi };
}

export function scaleOf(flags: BoxFlags): number {
  return flags.scale === undefined ? 1 : parseScale(flags.scale);
}

/** The box the flags describe, or undefined when they give none. */
export function boxFromFlags(graph: Graph, flags: BoxFlags): DescribedBox | undefined {
  if (flags.inputRange !== undefined && flags.inputBoxFrom !== undefined) {
    throw new CompileError('give either --input-range or --input-box-from, not both');
  }
  if (flags.inputRange !== undefined) {
    const { lo, hi } = parseRange(flags.inputRange);
    return { box: { lo, hi }, description: `every input value in [${lo}, ${hi}]` };
  }
  if (flags.inputBoxFrom !== undefined) {
    const data = readDataSet(flags.inputBoxFrom, graph, scaleOf(flags));
    return { box: dataBox(data), description: `each input feature between its min and max over ${data.samples} samples of ${flags.inputBoxFrom}` };
  }
  return undefined;
}

export function dataFromFlag(graph: Graph, path: string | undefined, flags: BoxFlags): DataSet | undefined {
  return path === undefined ? undefined : readDataSet(path, graph, scaleOf(flags));
}
