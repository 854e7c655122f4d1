// The CNN benchmark's Markdown: milliseconds per inference for every runner, GFLOP/s of the
// fusegraph bundles, and each of issue 11's targets with its measured ratio. A pure function
// of the measurements, so the driver only measures.

import type { Measurement } from '../process/child.ts';
import type { RunnerName } from '../process/runners.ts';
import type { TargetName } from '../../../src/compile.ts';
import type { CompileTime } from './compile-time.ts';

export interface CaseResult {
  readonly model: string;
  readonly batch: number;
  readonly flopsPerSample: number;
  /** Where the outputs were checked against ('interpreter' or 'fusegraph-js'). */
  readonly reference: string;
  /** The best (lowest-median) round of each runner that passed its check. */
  readonly results: ReadonlyMap<RunnerName, Measurement>;
  /** Why a runner has no result (its check failed or it could not run this model). */
  readonly failures: ReadonlyMap<RunnerName, string>;
}

/**
 * Which time a figure uses: the wall-clock median, the best single round's wall time, or the
 * median CPU time (robust to a loaded machine).
 */
export type Clock = 'wall' | 'best' | 'cpu';

export interface Target {
  readonly model: string;
  readonly batch: number;
  readonly what: string;
  readonly goal: number;
  measure(row: CaseResult, clock: Clock): number | undefined;
}

function timeUs(row: CaseResult, runner: RunnerName, clock: Clock): number | undefined {
  const m = row.results.get(runner);
  return clock === 'wall' ? m?.medianUs : clock === 'best' ? m?.bestUs : m?.cpuMedianUs;
}

/** Peer time / our time: how many times faster `ours` is. */
function speedup(ours: RunnerName, theirs: RunnerName): (row: CaseResult, clock: Clock) => number | undefined {
  return (row, clock) => {
    const a = timeUs(row, ours, clock);
    const b = timeUs(row, theirs, clock);
    return a === undefined || b === undefined ? undefined : b / a;
  };
}

export function gflops(row: CaseResult, runner: RunnerName, clock: Clock = 'wall'): number | undefined {
  const us = timeUs(row, runner, clock);
  return us === undefined ? undefined : (row.flopsPerSample * row.batch) / us / 1e3;
}

const wasmOver = (peer: RunnerName, goal: number, model: string, batch = 1): Target =>
  ({ model, batch, what: `fusegraph-wasm ×${peer}`, goal, measure: speedup('fusegraph-wasm', peer) });

/** Issue 11's targets, each on one row of the tables. */
export const TARGETS: readonly Target[] = [
  wasmOver('ort-web', 1.5, 'resnet18'),
  wasmOver('ort-node', 0.2, 'resnet18'),
  wasmOver('ort-web', 1.5, 'mobilenet_v2'),
  wasmOver('ort-web', 2, 'lenet', 32),
  wasmOver('tfjs-wasm', 1.15, 'conv3x3_64_56'),
  wasmOver('tfjs-wasm', 1.15, 'conv1x1_64_256_56'),
  wasmOver('tfjs-wasm', 1.15, 'conv7x7s2_3_64_224'),
  wasmOver('tfjs-wasm', 1.5, 'dw3x3_32_112'),
  { model: 'resnet18', batch: 1, what: 'fusegraph-js GFLOP/s', goal: 3, measure: (row, clock) => gflops(row, 'fusegraph-js', clock) },
];

const fmt = (value: number | undefined, digits = 2): string => (value === undefined ? '–' : value.toFixed(digits));

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`);
}

function timesTable(rows: readonly CaseResult[], runners: readonly RunnerName[], clock: Clock): string[] {
  const unit = clock === 'wall' ? 'ms' : clock === 'best' ? 'best ms' : 'CPU ms';
  const header = ['model', 'batch', 'MFLOP', ...runners.map((r) => `${r} ${unit}`), 'wasm GFLOP/s', 'js GFLOP/s', ...(clock === 'wall' ? ['checked against'] : [])];
  return table(header, rows.map((row) => [
    row.model, String(row.batch), fmt((row.flopsPerSample * row.batch) / 1e6, 1),
    ...runners.map((r) => (row.results.has(r) ? fmt((timeUs(row, r, clock) ?? NaN) / 1e3, 3) : row.failures.has(r) ? 'failed' : '–')),
    fmt(gflops(row, 'fusegraph-wasm', clock), 1), fmt(gflops(row, 'fusegraph-js', clock), 2), ...(clock === 'wall' ? [row.reference] : []),
  ]));
}

function targetsTable(rows: readonly CaseResult[]): string[] {
  const verdict = (value: number | undefined, goal: number): string => (value === undefined ? 'not measured' : value >= goal ? 'yes' : 'no');
  const clocks: readonly Clock[] = ['cpu', 'wall', 'best'];
  return table(['model', 'batch', 'measure', 'target', 'by CPU time', 'met', 'by wall median', 'met', 'by best wall', 'met'], TARGETS.map((t) => {
    const row = rows.find((r) => r.model === t.model && r.batch === t.batch);
    const values = clocks.map((clock) => (row === undefined ? undefined : t.measure(row, clock)));
    return [t.model, String(t.batch), t.what, `≥ ${t.goal}`, ...values.flatMap((value) => [fmt(value), verdict(value, t.goal)])];
  }));
}

/** A titled part of the report, left out when it has nothing to show. */
function section(title: string, lines: readonly string[], count: number): string[] {
  return count === 0 ? [] : [`## ${title}`, '', ...lines, ''];
}

export interface ReportContext {
  readonly date: string;
  readonly node: string;
  /** Peer versions, CPU and load. */
  readonly setting: string;
  readonly repeat: number;
  readonly runners: readonly RunnerName[];
  /** Each target's fastest compile, or why it failed. */
  readonly compileTimes: readonly (readonly [TargetName, CompileTime | string])[];
  readonly compileModel: string;
}

export function formatCnnReport(models: readonly CaseResult[], layers: readonly CaseResult[], context: ReportContext): string {
  // One note per runner and cause, naming every model it hit.
  const notes = new Map<string, string[]>();
  for (const row of [...models, ...layers]) {
    for (const [runner, why] of row.failures) {
      const note = `${runner}: ${why}`;
      notes.set(note, [...(notes.get(note) ?? []), `${row.model} b${row.batch}`]);
    }
  }
  const failures = [...notes].map(([note, where]) => `- ${note} (${where.join(', ')})`);
  const compile = table(['target', 'compile ms', 'bundle MB'], context.compileTimes.map(([target, c]) =>
    (typeof c === 'string' ? [target, `failed: ${c}`, '–'] : [target, fmt(c.ms, 0), fmt(c.bytes / 1e6, 1)])));
  return [
    '# fusegraph CNN benchmark (issue 11)',
    '',
    `${context.date}, Node ${context.node}; ${context.setting}.`,
    '',
    `\`npm run bench -- --cnn\` (test/bench/cnn/run.ts). Every runner × model × batch`,
    `runs in its own process (test/bench/process/child.ts) on the same seeded weights and input, one thread: 0.7 s`,
    `of warm-up, then the median of 15 rounds of about 60 ms (one call at least). Each measurement ran in ${context.repeat} separate process(es),`,
    'interleaved with the others; the lowest of their medians counts (wall and CPU time each), and "best" is the',
    'fastest single round of any of them. Outputs are checked before timing against the',
    'interpreter where it is fast enough (≤ 0.5 GFLOP per call) and otherwise against the fusegraph JS bundle',
    '(whose kernels are tested against the interpreter); ort-node agreeing there is the independent check.',
    'The targets are also given by median CPU time per call (user + system), which does not count waiting for a',
    'core while other processes load the machine.',
    'MFLOP per call = kernelFlops over the -O2 lowered program (2 per multiply-add). "failed": see the notes below.',
    '',
    ...section('Models', timesTable(models, context.runners, 'wall'), models.length),
    ...section('Single conv + bias + ReLU layers (batch 1)', timesTable(layers, context.runners, 'wall'), layers.length),
    ...section('Issue 11 targets', targetsTable([...models, ...layers]), 1),
    ...section('Median CPU time per call, same processes', timesTable([...models, ...layers], context.runners, 'cpu'), models.length + layers.length),
    ...section('Best round (wall), same processes', timesTable([...models, ...layers], context.runners, 'best'), models.length + layers.length),
    ...section(`Compile time of ${context.compileModel} (cold process, graph built beforehand; lowest of ${context.repeat})`, compile, context.compileTimes.length),
    ...(failures.length > 0 ? ['## Notes', '', ...failures, ''] : []),
  ].join('\n');
}
