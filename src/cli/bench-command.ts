// `fusegraph bench <model> --target js|wgsl|wasm`: compiles the model and times the bundle
// per batch size, reporting the median µs per call and GFLOP/s. GFLOP/s counts what each
// kernel of the lowered -O level program says it computes (codegen/kernel-info.ts: 2 per
// multiply-add of linear, matmul and conv, one per elementwise result or reduction tap);
// layout kernels count none.

import type { FeedArray } from '../../ir/feeds.ts';
import { generatedFeed } from './typed-feeds.ts';
import type { Command } from 'commander';
import { CompileError } from '../../ir/errors.ts';
import type { Graph } from '../../ir/graph.ts';
import { formatName } from '../../ir/names.ts';
import { bindShape, sizeOf, symbolOf } from '../../ir/types.ts';
import { kernelFlops } from '../../codegen/kernel-info.ts';
import { lowerGraph } from '../../codegen/lower.ts';
import { compile, TARGET_NAMES, type OptLevel, type TargetName } from '../compile.ts';
import { optimize } from '../passes/pipeline.ts';
import { loadModel } from '../load-model.ts';
import { Random } from '../random.ts';
import { openCompiled, type Session } from './bundle-session.ts';
import { parseLevel } from './verify-command.ts';
import { warnAboutWeights } from './warnings.ts';
import { addPruneOptions, prunePlan, type PruneFlags } from './prune-options.ts';
import { runPasses } from '../passes/pass-manager.ts';
import { describePruning } from '../passes/prune-dead-units.ts';

interface BenchFlags extends PruneFlags {
  readonly target: string;
  readonly batch: string;
  readonly O: string;
  readonly time: string;
  readonly threads?: string;
}

/** `--threads N`: a whole number of wasm threads (the bundle's pool takes any positive count). */
function parseThreads(text: string | undefined, target: TargetName): number | undefined {
  if (text === undefined) return undefined;
  if (target !== 'wasm') throw new CompileError(`--threads applies to --target wasm only, not ${target}`);
  const threads = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(threads) || threads < 1 || threads > 256) {
    throw new CompileError(`--threads must be a whole number of threads in 1..256, got '${text}'`);
  }
  return threads;
}

/** Floating-point operations of one run at `batch` (see the file comment for what counts). */
export function countFlops(graph: Graph, level: OptLevel, batch: number): number {
  const optimized = optimize(graph, { level });
  return lowerGraph(optimized.graph, optimized.plan).kernels.reduce((sum, kernel) => sum + kernelFlops(kernel, batch), 0);
}

function parseBatches(text: string): number[] {
  const batches = text.split(',').map((b) => Number(b.trim()));
  if (batches.length === 0 || !batches.every((b) => Number.isSafeInteger(b) && b >= 1 && b <= 65536)) {
    throw new CompileError(`--batch must be sizes in 1..65536 separated by commas, got '${text}'`);
  }
  return batches;
}

/** Redraws the progress bar on a terminal when its percentage changes; returns it. */
function progress(label: string, fraction: number, shown: number): number {
  const percent = Math.round(fraction * 100);
  if (!process.stderr.isTTY || percent === shown) return shown;
  const width = 24;
  const filled = Math.round(fraction * width);
  process.stderr.write(`\r${label} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${percent}%`);
  return percent;
}

/** Median µs per call, timing groups of calls long enough for the clock to resolve. */
async function timeCalls(session: Session, feeds: Record<string, FeedArray>, budgetMs: number, label: string): Promise<{ micros: number; samples: number }> {
  const call = session.runSync !== undefined ? ((run) => async () => { run(feeds); })(session.runSync) : async () => { await session.run(feeds); };
  const warmEnd = performance.now() + Math.min(200, budgetMs / 5);
  let reps = 1;
  while (performance.now() < warmEnd) {
    const start = performance.now();
    for (let i = 0; i < reps; i++) await call();
    if (performance.now() - start < 2) reps *= 2;
  }
  const samples: number[] = [];
  const begin = performance.now();
  let shown = -1;
  while (samples.length < 5 || (performance.now() - begin < budgetMs && samples.length < 1000)) {
    const start = performance.now();
    for (let i = 0; i < reps; i++) await call();
    samples.push(((performance.now() - start) * 1000) / reps);
    shown = progress(label, Math.min(1, (performance.now() - begin) / budgetMs), shown);
  }
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  samples.sort((a, b) => a - b);
  return { micros: samples[Math.floor(samples.length / 2)] ?? NaN, samples: samples.length };
}

export function registerBenchCommand(program: Command): void {
  const command = program
    .command('bench')
    .description('time a compiled model: median µs per call and GFLOP/s per batch size')
    .argument('<model>', 'model file (.onnx, .json, .ir, .ts)')
    .option('-t, --target <target>', `target to time (${TARGET_NAMES.join(', ')})`, 'wasm')
    .option('--batch <sizes>', 'batch sizes, comma-separated (models with a symbolic batch)', '1,32,256')
    .option('-O <level>', 'optimization level 0, 1 or 2', '2')
    .option('--time <ms>', 'time spent measuring each batch size', '1000')
    .option('--threads <n>', 'wasm threads for session.run() (default: the bundle\'s own, the available parallelism up to 8)')
    .addHelpText('after', ['', 'Examples:', '  fusegraph bench model.onnx --target js --batch 1,64', '  fusegraph bench model.onnx --threads 1   # one wasm thread, as single-thread runtimes', '  fusegraph bench examples/seed-mlp.ts --target wgsl --batch 1024',
      '  fusegraph bench model.onnx --prune observed --data train.npy'].join('\n'));
  addPruneOptions(command)
    .action(async (model: string, flags: BenchFlags) => {
      if (!(TARGET_NAMES as readonly string[]).includes(flags.target)) throw new CompileError(`unknown target '${flags.target}' (expected one of ${TARGET_NAMES.join(', ')})`);
      const target = flags.target as TargetName;
      const level = parseLevel(flags.O);
      const threads = parseThreads(flags.threads, target);
      const budget = Number(flags.time);
      if (!Number.isFinite(budget) || budget < 1) throw new CompileError(`--time must be a positive number of milliseconds, got '${flags.time}'`);
      const loaded = await loadModel(model);
      warnAboutWeights(loaded, model);
      const plan = prunePlan(loaded, flags);
      const graph = plan === undefined ? loaded : runPasses(loaded, [plan.pass]).graph;
      if (plan !== undefined) process.stdout.write(describePruning(plan.summary).map((line) => `${line}\n`).join(''));
      const symbolic = graph.inputs.some((input) => symbolOf(input.type.shape) !== undefined);
      const batches = symbolic ? parseBatches(flags.batch) : [1];
      const session = await openCompiled(compile(graph, { target, level }), target, threads === undefined ? {} : { threads });
      const name = formatName(graph.name);
      const threadLine = session.threads === undefined ? [] : [`threads ${session.threads} (${session.threadsReason ?? 'no reason given'})`];
      const lines = [`bench ${name} --target ${target} -${level} (Node ${process.version})`, ...threadLine, `${'batch'.padEnd(8)}${'median µs/call'.padEnd(17)}${'GFLOP/s'.padEnd(10)}samples`];
      try {
        for (const batch of batches) {
          const random = new Random(batch);
          const feeds: Record<string, FeedArray> = {};
          for (const input of graph.inputs) {
            const floats = random.uniformArray(sizeOf(bindShape(input.type.shape, symbolic ? batch : 1)), -1, 1);
            const data = generatedFeed(graph, input.name, input.type.dtype, floats);
            Object.defineProperty(feeds, input.name, { value: data, enumerable: true, writable: true, configurable: true });
          }
          const { micros, samples } = await timeCalls(session, feeds, budget, `batch ${batch}`);
          const gflops = countFlops(graph, level, batch) / (micros * 1000);
          lines.push(`${String(batch).padEnd(8)}${micros.toFixed(2).padEnd(17)}${gflops.toFixed(2).padEnd(10)}${samples}`);
        }
      } finally {
        session.dispose();
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
