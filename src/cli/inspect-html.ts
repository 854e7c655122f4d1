// `fusegraph inspect --report report.html`: one self-contained page (inline CSS and SVG, no
// scripts, nothing fetched) with the layer summary table, and per layer a histogram of how
// often units fire and a strip of every unit's active fraction with dead units marked; for conv
// channels also a map of how often each position fires (over channels and samples). Every
// model-supplied text is HTML-escaped. Counts carry data-* attributes so tests can read them.

import type { InspectReport, LayerReport } from '../analysis/inspect.ts';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

const BAR = '#4a7bd0';
const DEAD = '#d0463b';
const DEAD_PALE = '#f0b4ae';

/** Bars of units per active-share bin; in the first bin the dead units (share 0) in red. */
function histogramSvg(histogram: readonly number[], dead: number): string {
  const width = 360;
  const height = 140;
  const top = 14;
  const base = height - 16;
  const max = Math.max(1, ...histogram);
  const barWidth = width / histogram.length;
  const scale = (count: number): number => (count / max) * (base - top);
  const bars = histogram.map((count, i) => {
    const x = (i * barWidth + 1).toFixed(1);
    const w = (barWidth - 2).toFixed(1);
    const h = scale(count);
    const red = i === 0 ? scale(Math.min(dead, count)) : 0;
    const label = `${(i / 10).toFixed(1)}–${((i + 1) / 10).toFixed(1)}: ${count} units${i === 0 ? `, ${dead} never active` : ''}`;
    return `<g><title>${label}</title><rect x="${x}" y="${(base - h).toFixed(1)}" width="${w}" height="${(h - red).toFixed(1)}" fill="${BAR}"/>`
      + (red > 0 ? `<rect x="${x}" y="${(base - red).toFixed(1)}" width="${w}" height="${red.toFixed(1)}" fill="${DEAD}"/>` : '')
      + `<text x="${(i * barWidth + barWidth / 2).toFixed(1)}" y="${(base - h - 3).toFixed(1)}" font-size="10" text-anchor="middle">${count}</text></g>`;
  });
  return `<svg class="histogram" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="units by share of samples on which they are active">`
    + `${bars.join('')}<text x="0" y="${height - 3}" font-size="10">share of samples active: 0</text><text x="${width}" y="${height - 3}" font-size="10" text-anchor="end">1</text></svg>`;
}

function unitStripSvg(layer: LayerReport): string {
  const fractions = layer.observed?.activeFraction ?? [];
  const dead = new Set(layer.observed?.dead ?? []);
  const provedDead = new Set(layer.proved?.dead ?? []);
  const step = Math.max(2, Math.min(8, Math.floor(640 / Math.max(1, fractions.length))));
  const height = 60;
  const bars = fractions.map((f, unit) => {
    // A dead unit's bar is full height in pale red, so the eye finds it.
    const h = dead.has(unit) ? height - 10 : Math.max(1, f * (height - 10));
    const cls = dead.has(unit) ? 'dead' : 'live';
    const fill = dead.has(unit) ? DEAD_PALE : BAR;
    const mark = provedDead.has(unit) ? `<rect x="${unit * step}" y="${height - 4}" width="${step - 1}" height="4" fill="#222"/>` : '';
    return `<rect class="${cls}" x="${unit * step}" y="${(height - 6 - h).toFixed(1)}" width="${step - 1}" height="${h.toFixed(1)}" fill="${fill}"><title>unit ${unit}: active on ${(f * 100).toFixed(1)}%${dead.has(unit) ? ' (dead)' : ''}${provedDead.has(unit) ? ', proved dead' : ''}</title></rect>${mark}`;
  });
  return `<svg class="units" xmlns="http://www.w3.org/2000/svg" width="${fractions.length * step}" height="${height}" role="img" aria-label="active fraction per unit">${bars.join('')}</svg>`;
}

/** Conv layers: one cell per spatial position, darker where more channels × samples fire; red where none ever does. */
function positionMapSvg(fractions: readonly number[], shape: readonly number[]): string {
  const [rows = 1, cols = fractions.length] = shape.length === 1 ? [1, shape[0] ?? fractions.length] : shape;
  const size = Math.max(2, Math.min(12, Math.floor(336 / Math.max(rows, cols))));
  // Shades span the layer's own min..max share, so small differences between positions show.
  const live = fractions.filter((f) => f > 0);
  const min = Math.min(...live);
  const span = Math.max(1e-9, Math.max(...live) - min);
  const cells = fractions.map((f, i) => {
    const x = (i % cols) * size;
    const y = Math.floor(i / cols) * size;
    const fill = f === 0 ? DEAD : `rgba(74,123,208,${(0.1 + 0.9 * ((f - min) / span)).toFixed(3)})`;
    return `<rect x="${x}" y="${y}" width="${size}" height="${size}" fill="${fill}"><title>position ${Math.floor(i / cols)},${i % cols}: ${(f * 100).toFixed(1)}% active</title></rect>`;
  });
  return `<svg class="positions" xmlns="http://www.w3.org/2000/svg" width="${cols * size}" height="${rows * size}" role="img" aria-label="active share per position">${cells.join('')}</svg>`;
}

function cell(field: string, value: number | string | null): string {
  const shown = value === null ? '–' : String(value);
  return `<td data-field="${field}">${escapeHtml(shown)}</td>`;
}

function summaryRow(layer: LayerReport): string {
  const o = layer.observed;
  const p = layer.proved;
  const share = (v: number | null | undefined): string | null => (v === null || v === undefined ? null : `${(v * 100).toFixed(1)}%`);
  return `<tr data-layer="${escapeHtml(layer.value)}"><td>${escapeHtml(layer.value)}</td>`
    + `<td>${escapeHtml(layer.fusedInto === null ? layer.activation : `${layer.fusedInto}{${layer.activation}}`)}</td>`
    + cell('units', layer.units) + cell('dead', o?.dead.length ?? null) + cell('always-active', o?.alwaysActive.length ?? null)
    + cell('saturated', share(o?.saturatedShare)) + cell('negative-slope', share(o?.negativeSlopeShare))
    + cell('proved-dead', p?.dead.length ?? null) + cell('proved-linear', p?.linear.length ?? null)
    + cell('dead-macs', o?.deadMacsPerSample ?? null) + cell('proved-dead-macs', p?.deadMacsPerSample ?? null) + '</tr>';
}

function layerSection(layer: LayerReport): string {
  const parts = [`<section class="layer"><h2>${escapeHtml(layer.value)} · ${escapeHtml(layer.activation)} · ${layer.units} units</h2>`];
  if (layer.observed !== null) {
    parts.push('<h3>Units by share of samples on which they are active (red: never active)</h3>', histogramSvg(layer.observed.histogram, layer.observed.dead.length));
    parts.push('<h3>Every unit\'s active share (pale red: never active on the data; black mark: proved dead)</h3>', unitStripSvg(layer));
    if (layer.observed.dead.length > 0) parts.push(`<p>Dead units: ${layer.observed.dead.join(', ')}</p>`);
    const { positionActiveFraction, positionShape } = layer.observed;
    if (positionActiveFraction !== null && positionShape !== null) {
      const live = positionActiveFraction.filter((f) => f > 0);
      const range = live.length === 0 ? 'none active' : `${(Math.min(...live) * 100).toFixed(1)}% (pale) to ${(Math.max(...live) * 100).toFixed(1)}% (dark)`;
      parts.push(`<h3>Active share per position over channels and samples, ${positionShape.join(' × ')}: ${range}; red: never</h3>`, positionMapSvg(positionActiveFraction, positionShape));
    }
  }
  if (layer.proved !== null && layer.proved.dead.length > 0) parts.push(`<p>Proved dead: ${layer.proved.dead.join(', ')}</p>`);
  parts.push('</section>');
  return parts.join('\n');
}

export function formatInspectHtml(report: InspectReport, dataLabel: string | undefined): string {
  const head = ['layer', 'activation', 'units', 'dead', 'always active', 'saturated', 'negative slope', 'proved dead', 'proved linear', 'dead MACs/sample', 'proved dead MACs/sample'];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>fusegraph inspect: ${escapeHtml(report.graph)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}td:first-child,td:nth-child(2){text-align:left}svg{display:block;margin:4px 0 12px}</style>
</head><body>
<h1>Activation report for ${escapeHtml(report.graph)}</h1>
<p id="data">${dataLabel === undefined ? 'No data.' : `Observed on ${escapeHtml(dataLabel)}.`} ${report.box === null ? '' : `Proved over ${escapeHtml(report.box.description)}.`}</p>
<table id="summary"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>
${report.layers.map(summaryRow).join('\n')}
</tbody></table>
${report.layers.map(layerSection).join('\n')}
</body></html>
`;
}
