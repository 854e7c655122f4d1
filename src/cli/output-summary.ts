// The short report `fusegraph run` prints per output: shape, min/max/mean over the finite
// values (NaN and infinities counted apart), and for classifiers the argmax of each row.

import { formatShape } from '../../ir/types.ts';
import { formatName } from '../../ir/names.ts';

const MAX_ROWS_SHOWN = 16;

function short(value: number): string {
  return Number.isFinite(value) ? Number(value.toPrecision(5)).toString() : String(value);
}

function argmaxRows(data: Float32Array, rows: number, cols: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if ((data[r * cols + c] ?? -Infinity) > (data[r * cols + best] ?? -Infinity)) best = c;
    out.push(best);
  }
  return out;
}

export function summarizeOutput(name: string, shape: readonly number[], data: Float32Array): string {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let finite = 0;
  let nan = 0;
  let infinite = 0;
  for (const v of data) {
    if (Number.isNaN(v)) nan++;
    else if (!Number.isFinite(v)) infinite++;
    else {
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
      finite++;
    }
  }
  const shown = formatName(name);
  const stats = finite > 0 ? `min ${short(min)}  max ${short(max)}  mean ${short(sum / finite)}` : 'no finite values';
  const odd = [...(nan > 0 ? [`${nan} NaN`] : []), ...(infinite > 0 ? [`${infinite} ±Inf`] : [])];
  const lines = [`${shown}: f32${formatShape(shape)}  ${stats}${odd.length > 0 ? `  (${odd.join(', ')})` : ''}`];
  const [rows, cols] = shape;
  if (shape.length === 2 && rows !== undefined && cols !== undefined && cols > 1) {
    const picks = argmaxRows(data, rows, cols);
    const more = picks.length > MAX_ROWS_SHOWN ? ` … (${picks.length} rows)` : '';
    lines.push(`  argmax per row: ${picks.slice(0, MAX_ROWS_SHOWN).join(' ')}${more}`);
  }
  return lines.join('\n');
}
