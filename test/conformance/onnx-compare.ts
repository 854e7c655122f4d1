// ONNX's own pass criterion for its backend tests (numpy.testing.assert_allclose with
// rtol 1e-3, atol 1e-7: |actual - expected| <= atol + rtol·|expected|, NaN equal to NaN, an
// infinity equal to the same infinity), with a report that names the output, its worst error
// and the first element outside the bound.

import { valueTypes, type Graph } from '../../ir/graph.ts';
import { bindBatch, concreteShape, type TypedFeeds } from '../../ir/interpret.ts';
import { formatShape } from '../../ir/types.ts';
import { compareArrays, type Tolerance } from '../../src/tolerance.ts';
import type { ExpectedOutput } from './onnx-node-data.ts';

export const ONNX_TOLERANCE: Tolerance = { abs: 1e-7, rel: 1e-3 };

export interface OutputMismatch {
  readonly output: string;
  /** Largest |actual - expected| over finite pairs (Infinity for a size mismatch). */
  readonly maxAbsError: number;
  readonly message: string;
}

/** Compares every expected output (shape and values) with the result on `feeds`; returns the outputs that differ. */
export function compareOutputs(
  expected: readonly ExpectedOutput[], graph: Graph, feeds: TypedFeeds, actual: Readonly<Record<string, Float32Array>>,
): OutputMismatch[] {
  const mismatches: OutputMismatch[] = [];
  const types = valueTypes(graph);
  const batches = bindBatch(graph, feeds);
  expected.forEach((want, k) => {
    // ONNX's K-th output is the graph's K-th (the importer keeps their order).
    const name = graph.outputs[k] ?? want.name;
    const got = Object.hasOwn(actual, name) ? actual[name] : undefined;
    const label = `output ${JSON.stringify(want.name)}`;
    const type = types.get(name);
    const shape = type === undefined ? [] : concreteShape(type.shape, batches);
    if (formatShape(shape) !== formatShape(want.shape)) {
      mismatches.push({ output: want.name, maxAbsError: Infinity, message: `${label} has shape ${formatShape(shape)}, expected ${formatShape(want.shape)}` });
      return;
    }
    if (!(got instanceof Float32Array)) {
      mismatches.push({ output: want.name, maxAbsError: Infinity, message: `${label} is missing from the results (got ${Object.keys(actual).join(', ') || 'none'})` });
      return;
    }
    if (got.length !== want.data.length) {
      mismatches.push({ output: want.name, maxAbsError: Infinity, message: `${label} has ${got.length} values, expected ${want.data.length} for ${formatShape(want.shape)}` });
      return;
    }
    const result = compareArrays(want.data, got, ONNX_TOLERANCE);
    if (result.ok) return;
    const first = result.mismatch;
    const where = first === undefined ? '' : `; first at index ${first.index}: expected ${first.expected}, got ${first.actual}`;
    mismatches.push({
      output: want.name,
      maxAbsError: result.maxAbsError,
      message: `${label} ${formatShape(want.shape)} differs: max abs error ${result.maxAbsError.toPrecision(3)}, max rel error ${result.maxRelError.toPrecision(3)}${where}`,
    });
  });
  return mismatches;
}

/** Whether every value is finite and every expected value is a number (see FINITE_ONLY). */
export function withinFiniteContract(feeds: TypedFeeds, expected: readonly ExpectedOutput[]): boolean {
  return Object.values(feeds).every((data) => !(data instanceof Float32Array) || data.every(Number.isFinite)) && expected.every((out) => !out.data.some(Number.isNaN));
}
