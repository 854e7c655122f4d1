// Issue 15's thread benchmark (not a test): fusegraph's wasm bundle at 1 thread (runSync) and at
// N threads (run), and onnxruntime-web at 1 and N threads, on the deep MLP (batch 32, 256) and
// ResNet-18 (1×3×224×224). onnxruntime-web fixes its thread count per process, so each child
// process holds one ort-web thread count and runs fusegraph at 1 and N threads beside it, a
// block of inferences (~100 ms) of each runner in turn (interleaved), so all three see the same
// load; children for
// 1 and N ort-web threads alternate, `--repeat` rounds each. Per runner: median and best wall
// time per inference, and its critical-path CPU time: per thread of the process, the CPU time
// (Linux /proc/self/task/*/schedstat, ns) summed over the runner's inferences, the largest of
// them divided by the inferences. On a machine whose cores other jobs keep busy a thread
// often waits to be scheduled, so wall time shows the load more than the code; the critical
// path is what a run would take on idle cores, barrier waits aside (spinning counts, sleeping not).
//
//   npx tsx test/bench/wasm/threads.ts [--threads 2] [--repeat 3] [--cases deep:32,deep:256,resnet18:1,mobilenet_v2:1] [--out file.md]
//
// BENCH_MS (default 6000) is each child's timing budget per runner set.

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compile } from '../../../src/compile.ts';
import { writeOnnx } from '../../../src/frontends/onnx/writer.ts';
import { caseByName, outputName } from '../process/cases.ts';
import { blockSize, median, timeBlock, type Infer, type Session } from './interleave.ts';
import { scratchDir } from '../../support/temp-dir.ts';

interface Timing { readonly wall: number[]; readonly cpu: number[]; readonly critical: number[] }
interface ChildReport {
  readonly runner: string;
  readonly median: number;
  readonly best: number;
  /** CPU ms per inference, all threads (median over blocks). */
  readonly cpu: number;
  /** Critical-path CPU ms per inference: median and best over blocks. */
  readonly critical: number;
  readonly criticalBest: number;
}

const HERE = fileURLToPath(import.meta.url);

function arg(argv: readonly string[], name: string, fallback: string): string {
  const at = argv.indexOf(name);
  return at >= 0 ? (argv[at + 1] ?? fallback) : fallback;
}

/** One child: one case at one batch, fusegraph at 1 and `threads` threads, ort-web at `ortThreads`. */
async function child(name: string, batch: number, threads: number, ortThreads: number): Promise<void> {
  const bench = caseByName(name);
  const graph = bench.graph();
  const x = bench.input(batch);
  const output = outputName(graph);
  const dir = scratchDir('fusegraph-threads-bench-');
  const bundle = compile(graph, { target: 'wasm' });
  for (const file of bundle.files) writeFileSync(join(dir, file.name), file.contents);
  const module = (await import(pathToFileURL(join(dir, bundle.entry)).href)) as { load(options: object): Promise<Session> };
  const single = await module.load({ threads: 1 });
  const multi = await module.load({ threads });
  if (multi.threads !== threads) throw new Error(`bench: fusegraph loaded ${multi.threads} threads, not ${threads}`);
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = ortThreads;
  ort.env.wasm.wasmPaths = join(process.cwd(), 'node_modules/onnxruntime-web/dist/');
  const ortSession = await ort.InferenceSession.create(writeOnnx(graph), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const ortFeeds = { x: new ort.Tensor('float32', x, bench.inputShape(batch)) };
  const runners: [string, Infer][] = [
    ['fusegraph 1t', () => single.runSync({ x })[output]],
    [`fusegraph ${threads}t`, async () => (await multi.run({ x }))[output]],
    [`ort-web ${ortThreads}t`, async () => (await ortSession.run(ortFeeds))[output]?.data as Float32Array],
  ];
  // The same results (fusegraph's bytes, ort-web within float error) before timing.
  const reference = single.runSync({ x })[output] ?? new Float32Array();
  const threaded = (await multi.run({ x }))[output] ?? new Float32Array();
  if (Buffer.compare(Buffer.from(reference.buffer), Buffer.from(threaded.buffer)) !== 0) throw new Error('bench: threaded bytes differ');
  const theirs = (await ortSession.run(ortFeeds))[output]?.data as Float32Array;
  const scale = reference.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  if (theirs.some((v, i) => Math.abs(v - (reference[i] ?? NaN)) > 1e-3 * scale)) throw new Error('bench: ort-web disagrees');
  const timings: Timing[] = runners.map(() => ({ wall: [], cpu: [], critical: [] }));
  const block = await blockSize(runners[0]?.[1]);
  const budgetMs = Number(process.env['BENCH_MS'] ?? 6000);
  const start = performance.now();
  for (let round = 0; round < 3 || performance.now() - start < budgetMs; round++) {
    for (const [index, [, infer]] of runners.entries()) {
      const timing = timings[index];
      if (timing === undefined) continue;
      const { walls, cpu, critical } = await timeBlock(infer, block);
      timing.wall.push(...walls);
      timing.cpu.push(cpu);
      timing.critical.push(critical);
    }
  }
  const report: ChildReport[] = runners.map(([runner], index) => {
    const t = timings[index] ?? { wall: [], cpu: [], critical: [] };
    return { runner, median: median(t.wall), best: Math.min(...t.wall), cpu: median(t.cpu), critical: median(t.critical), criticalBest: Math.min(...t.critical) };
  });
  process.stdout.write(`${JSON.stringify(report)}\n`);
  await single.dispose();
  await multi.dispose();
  process.exit(0);
}

function spawnChild(name: string, batch: number, threads: number, ortThreads: number): ChildReport[] {
  const out = execFileSync(process.execPath, ['--import', 'tsx', HERE, '--child', name, String(batch), String(threads), String(ortThreads)], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 600_000,
  });
  return JSON.parse(out.trim().split('\n').pop() ?? '[]') as ChildReport[];
}

async function main(argv: readonly string[]): Promise<void> {
  if (argv[0] === '--child') {
    await child(argv[1] ?? '', Number(argv[2]), Number(argv[3]), Number(argv[4]));
    return;
  }
  const threads = Number(arg(argv, '--threads', '2'));
  const repeat = Number(arg(argv, '--repeat', '3'));
  const cases = arg(argv, '--cases', 'deep:32,deep:256,resnet18:1,mobilenet_v2:1').split(',').map((c) => {
    const [name = '', batch = '1'] = c.split(':');
    return { name, batch: Number(batch) };
  });
  const lines: string[] = [];
  const say = (line: string): void => { lines.push(line); console.log(line); };
  const uptime = (): string => execFileSync('uptime', { encoding: 'utf8' }).trim();
  say(`Machine: ${cpus()[0]?.model ?? '?'} × ${cpus().length}. Start: ${uptime()}`);
  say('');
  const t = `${threads}t`;
  say(`| model | batch | round | ort-web threads | wall ms, median / best: fg 1t · fg ${t} · ort | CPU ms per run, all threads: fg 1t · fg ${t} · ort | critical-path CPU ms, median / best: fg 1t · fg ${t} · ort | fg ${t} vs fg 1t: wall median, best; critical path median, best | fg ${t} vs ort: the same | load |`);
  say('|---|---|---|---|---|---|---|---|---|---|');
  for (const { name, batch } of cases) {
    for (let round = 1; round <= repeat; round++) {
      for (const ortThreads of [1, threads]) {
        const [fg1, fgN, ort] = spawnChild(name, batch, threads, ortThreads);
        if (fg1 === undefined || fgN === undefined || ort === undefined) throw new Error('bench: a child reported nothing');
        const f = (n: number): string => n.toFixed(2);
        const walls = [fg1, fgN, ort].map((r) => `${f(r.median)} / ${f(r.best)}`).join(' · ');
        const ratios = (a: ChildReport, b: ChildReport): string => `${f(a.median / b.median)}×, ${f(a.best / b.best)}×; ${f(a.critical / b.critical)}×, ${f(a.criticalBest / b.criticalBest)}×`;
        const critical = [fg1, fgN, ort].map((r) => `${f(r.critical)} / ${f(r.criticalBest)}`).join(' · ');
        say(`| ${name} | ${batch} | ${round} | ${ortThreads} | ${walls} | ${[fg1, fgN, ort].map((r) => f(r.cpu)).join(' · ')} | ${critical} | ${ratios(fg1, fgN)} | ${ratios(ort, fgN)} | ${loadavg()[0]?.toFixed(1) ?? '?'} |`);
      }
    }
  }
  say('');
  say(`End: ${uptime()}`);
  const out = arg(argv, '--out', '');
  if (out !== '') writeFileSync(out, `${lines.join('\n')}\n`);
}

await main(process.argv.slice(2));
