// Finds constants holding NaN or ±Inf. Such a model still compiles (the IR defines how
// NaN and infinities propagate), but it is almost always a broken export or training run,
// so the CLI warns, naming each tensor. A constant of -inf only whose every reader is a
// `where` is a mask fill (PyTorch's masked_fill, key padding masks), not a warning.

import type { Graph } from '../../ir/graph.ts';
import { formatValueName } from '../../ir/names.ts';
import { isTensorData } from '../../ir/ops/index.ts';

/** One line per constant with non-finite values: its name and how many of each kind. */
export function nonFiniteWeights(graph: Graph): string[] {
  const warnings: string[] = [];
  const readOnlyByWhere = new Map<string, boolean>();
  for (const node of graph.nodes) {
    for (const input of node.inputs) readOnlyByWhere.set(input, (readOnlyByWhere.get(input) ?? true) && node.op === 'where' && node.inputs[0] !== input);
  }
  for (const node of graph.nodes) {
    const value = node.attrs['value'];
    if (node.op !== 'const' || !isTensorData(value)) continue;
    const maskFill = readOnlyByWhere.get(node.name) === true && !graph.outputs.includes(node.name) && value.data.every((v) => v === -Infinity);
    if (maskFill) continue;
    let nan = 0;
    let inf = 0;
    for (const v of value.data) {
      if (Number.isNaN(v)) nan++;
      else if (!Number.isFinite(v)) inf++;
    }
    if (nan + inf > 0) {
      const parts = [...(nan > 0 ? [`${nan} NaN`] : []), ...(inf > 0 ? [`${inf} infinite`] : [])];
      warnings.push(`${formatValueName(node.name)} holds ${parts.join(' and ')} of ${value.data.length} values`);
    }
  }
  return warnings;
}
