// The benchmark's Markdown report: one table per model (median and p10–p90 µs per call,
// GFLOP/s, and fusegraph's speed as a multiple of each peer's), then the issue's targets.

import { BATCHES } from './models.ts';
import type { CallStats } from './protocol.ts';

export interface Measurement {
  readonly runner: string;
  readonly model: string;
  readonly flopsPerSample: number;
  readonly version?: string;
  readonly stats?: readonly CallStats[];
  readonly error?: string;
}

export interface StartupFacts {
  /** Node's performance.now() at the first result: process start to first result. */
  readonly firstResultMs: number;
  /** The same for a script that does nothing: Node's own start-up. */
  readonly nodeAloneMs: number;
  /** Spawn to exit, as the parent saw it. */
  readonly processWallMs: number;
  readonly bundleBytes: number;
  readonly codeBytes: number;
}

function statFor(list: readonly Measurement[], runner: string, model: string, batch: number): CallStats | undefined {
  return list.find((m) => m.runner === runner && m.model === model)?.stats?.find((s) => s.batch === batch);
}

type Clock = 'wall' | 'cpu';

/** fusegraph's speed as a multiple of the peer's (peer time / fusegraph time), by median. */
function speedup(list: readonly Measurement[], peer: string, model: string, batch: number, clock: Clock = 'wall'): number | undefined {
  const ours = statFor(list, 'fusegraph', model, batch);
  const theirs = statFor(list, peer, model, batch);
  if (ours === undefined || theirs === undefined) return undefined;
  return clock === 'wall' ? theirs.medianUs / ours.medianUs : theirs.cpuMedianUs / ours.cpuMedianUs;
}

const fmt = (value: number, digits = 1): string => value.toFixed(digits);

function modelTable(list: readonly Measurement[], model: string): string[] {
  const rows = [
    '| batch | runner | median µs | p10–p90 µs | GFLOP/s | fusegraph speed × | CPU µs | speed × by CPU time |',
    '|---:|---|---:|---:|---:|---:|---:|---:|',
  ];
  const runners = list.filter((m) => m.model === model);
  for (const batch of BATCHES) {
    for (const m of runners) {
      const s = m.stats?.find((x) => x.batch === batch);
      if (s === undefined) continue;
      const gflops = (m.flopsPerSample * batch) / (s.medianUs * 1e3);
      const ratio = (clock: Clock): string => (m.runner === 'fusegraph' ? '1' : fmt(speedup(list, m.runner, model, batch, clock) ?? NaN, 3));
      rows.push(`| ${batch} | ${m.runner} | ${fmt(s.medianUs)} | ${fmt(s.p10Us)}–${fmt(s.p90Us)} | ${fmt(gflops, 2)} | ${ratio('wall')} | ${fmt(s.cpuMedianUs)} | ${ratio('cpu')} |`);
    }
  }
  for (const m of runners) if (m.error !== undefined) rows.push(`| – | ${m.runner} | failed: ${m.error.replace(/\|/g, '/')} | | | | | |`);
  return rows;
}

function check(label: string, value: number | undefined, goal: number, unit: string, atMost = false): string {
  if (value === undefined || Number.isNaN(value)) return `- [ ] ${label}: not measured (goal ${atMost ? '<' : '≥'} ${goal}${unit})`;
  const ok = atMost ? value < goal : value >= goal;
  return `- [${ok ? 'x' : ' '}] ${label}: ${fmt(value, unit === '×' ? 3 : 1)}${unit} (goal ${atMost ? '<' : '≥'} ${goal}${unit})`;
}

export function formatReport(list: readonly Measurement[], startup: StartupFacts, info: { date: string; node: string; budgetMs: number; rounds: number; load?: string }): string {
  const models = [...new Set(list.map((m) => m.model))];
  const versions = [...new Set(list.filter((m) => m.version !== undefined).map((m) => `${m.runner} ${m.version ?? ''}`))].join(', ');
  const lines = [
    '# fusegraph benchmark',
    '',
    `${info.date}, Node ${info.node}; ${versions}. Each runner in its own process, 300 ms warm-up, then ${info.budgetMs} ms of samples`,
    `per batch; ${info.rounds} interleaved rounds, each batch keeping its faster round (and the lower CPU median and p10 of`,
    `its rounds). µs per call (input in, Float32Array out).${info.load === undefined ? '' : ` Load average (1 min) as the runners started: ${info.load}.`}`,
    '"fusegraph speed ×" = peer median / fusegraph median.',
    'CPU µs is the median CPU time per call (all threads), a cross-check that does not count waiting for a core',
    'when other processes share the machine.',
    '',
  ];
  for (const model of models) lines.push(`## ${model}`, '', ...modelTable(list, model), '');
  const worst = (peer: string, clock: Clock = 'wall'): number | undefined => {
    const values = models.flatMap((model) => BATCHES.filter((b) => b >= 32).map((b) => speedup(list, peer, model, b, clock)));
    return values.some((v) => v === undefined) ? undefined : Math.min(...(values as number[]));
  };
  lines.push(
    '## Targets (issue 4)',
    '',
    check('batch ≥ 32, slowest case vs tfjs-cpu', worst('tfjs-cpu'), 5.5, '×'),
    check('batch ≥ 32, slowest case vs onnxruntime-node (1 thread)', worst('ort-node'), 0.035, '×'),
    check('seed MLP batch 1 vs onnxruntime-node', speedup(list, 'ort-node', 'seed_mlp', 1), 0.25, '×'),
    check('(by CPU time) batch ≥ 32, slowest case vs tfjs-cpu', worst('tfjs-cpu', 'cpu'), 5.5, '×'),
    check('(by CPU time) batch ≥ 32, slowest case vs onnxruntime-node', worst('ort-node', 'cpu'), 0.035, '×'),
    check('(by CPU time) seed MLP batch 1 vs onnxruntime-node', speedup(list, 'ort-node', 'seed_mlp', 1, 'cpu'), 0.25, '×'),
    check('cold start, process start to first result', startup.firstResultMs, 100, ' ms', true),
    check('seed bundle with embedded weights', startup.bundleBytes / 1024, 600, ' KB', true),
    check('seed bundle code (without the weights literal)', startup.codeBytes / 1024, 20, ' KB', true),
    '',
    `Cold start: Node alone reaches its first line at ${fmt(startup.nodeAloneMs)} ms, so importing the bundle (decoding its`,
    `weights) and the first run take ${fmt(startup.firstResultMs - startup.nodeAloneMs)} ms; spawn to exit as the parent saw it: ${fmt(startup.processWallMs)} ms.`,
    '',
  );
  return lines.join('\n');
}
