// `fusegraph inspect`'s text table: one row per activation layer with what the data shows and
// what the bounds prove, then per layer its activity histogram and, for conv channels, how
// many (channel, position) pairs never fire beyond the dead channels.

import type { InspectReport, LayerReport } from '../analysis/inspect.ts';

function percent(share: number | null): string {
  return share === null ? '-' : `${(share * 100).toFixed(1)}%`;
}

function row(layer: LayerReport): string[] {
  const o = layer.observed;
  const p = layer.proved;
  const extra = o === null ? '-' : o.saturatedShare !== null ? `sat ${percent(o.saturatedShare)}` : o.negativeSlopeShare !== null ? `neg ${percent(o.negativeSlopeShare)}` : '-';
  return [
    layer.value,
    layer.fusedInto === null ? layer.activation : `${layer.fusedInto}{${layer.activation}}`,
    String(layer.units),
    o === null ? '-' : String(o.dead.length),
    o === null ? '-' : String(o.alwaysActive.length),
    extra,
    p === null ? '-' : String(p.dead.length),
    p === null ? '-' : String(p.linear.length),
    o === null ? '-' : String(o.deadMacsPerSample),
    p === null ? '-' : String(p.deadMacsPerSample),
  ];
}

export function formatInspectText(report: InspectReport, dataLabel: string | undefined): string {
  const header = ['layer', 'activation', 'units', 'dead', 'always on', 'sat/neg', 'proved dead', 'proved linear', 'dead MACs', 'proved dead MACs'];
  const rows = report.layers.map(row);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  const lines = [line(header), ...rows.map(line)];
  if (dataLabel !== undefined) lines.push(`observed: ${dataLabel}; dead = never active (pre-activation > 0) on any sample, MACs per sample`);
  if (report.box !== null) lines.push(`proved over the box: ${report.box.description}`);
  for (const layer of report.layers) {
    const hist = layer.observed?.histogram;
    if (hist !== undefined) lines.push(`${layer.value} active-frequency histogram (10 bins, 0..1): ${hist.join(' ')}`);
  }
  for (const layer of report.layers) {
    const o = layer.observed;
    if (o === null || o.deadPositions === null) continue;
    const dead = new Set(o.dead);
    const partial = o.deadPositions.flatMap((count, unit) => (count > 0 && !dead.has(unit) ? [`${unit}: ${count}`] : []));
    lines.push(`${layer.value} channels × ${o.positions} positions; positions never active in live channels: ${partial.length === 0 ? 'none' : partial.join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}
