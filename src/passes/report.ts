// Text reports of an optimization run: the per-pass table of `--stats`, the memory plan
// summary, and the headers of `--print-after` dumps (IR `#` comments, so a dump still parses).

import type { Graph } from '../../ir/graph.ts';
import type { MemoryPlan, PlanSize } from '../../ir/memory-plan.ts';
import { formatSize } from '../../ir/sym-size.ts';
import type { PassStat } from './pass-manager.ts';

function formatAffine(size: PlanSize, unit: string): string {
  return `${formatSize(size).replace(/\*/g, '·')} ${unit}`;
}

function formatBytes(bytes: number): string {
  if (bytes < 10_000) return `${bytes} B`;
  if (bytes < 10_000_000) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function dumpHeader(stat: PassStat): string {
  return `# IR after ${stat.pass} (${stat.nodesBefore} -> ${stat.nodesAfter} nodes, ${stat.ms.toFixed(2)} ms)\n`;
}

export function dumpBeforeHeader(pass: string, graph: Graph): string {
  return `# IR before ${pass} (${graph.nodes.length} nodes)\n`;
}

export function formatStats(stats: readonly PassStat[], plan?: MemoryPlan): string {
  const rows = stats.map((s) => [
    s.pass, s.ms.toFixed(3), `${s.nodesBefore} -> ${s.nodesAfter}`,
    s.constBytesBefore === s.constBytesAfter ? formatBytes(s.constBytesAfter) : `${formatBytes(s.constBytesBefore)} -> ${formatBytes(s.constBytesAfter)}`,
  ]);
  const header = ['pass', 'ms', 'nodes', 'constants'];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, i) => (i === 1 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  const lines = [line(header), ...rows.map(line)];
  const total = stats.reduce((sum, s) => sum + s.ms, 0);
  lines.push(`total ${total.toFixed(3)} ms`);
  for (const s of stats) for (const note of s.notes) lines.push(`note (${s.pass}): ${note}`);
  if (plan !== undefined) {
    lines.push(`memory plan: ${plan.slots.size} slots, arena ${formatAffine(plan.arenaSize, 'f32')}, peak ${formatAffine(plan.peak, 'f32')} (N = batch)`);
  }
  return `${lines.join('\n')}\n`;
}
