// `fusegraph verify <model> --target js|wgsl`: compiles the model, runs the bundle on random
// and edge-value inputs, and compares every output with the reference interpreter under the
// tolerances of src/tolerance.ts. Prints the worst errors per output and the node count
// after each pass; exits 1 when a tolerance is exceeded.

import type { Command } from 'commander';
import { CompileError } from '../../ir/errors.ts';
import type { Graph } from '../../ir/graph.ts';
import type { FeedArray } from '../../ir/feeds.ts';
import { interpret, type TypedFeeds } from '../../ir/interpret.ts';
import { generatedFeed } from './typed-feeds.ts';
import { formatName } from '../../ir/names.ts';
import { bindShape, isSymbolic, sizeOf, symbolOf } from '../../ir/types.ts';
import { compile, TARGET_NAMES, type OptLevel, type TargetName } from '../compile.ts';
import { loadModel } from '../load-model.ts';
import { collectInputValue, parseInputShapes, parseInputValues } from './input-values.ts';
import { optimize } from '../passes/pipeline.ts';
import { Random } from '../random.ts';
import { compareArrays, toleranceFor } from '../tolerance.ts';
import { isBundleFile, openCompiled } from './bundle-session.ts';
import { VerificationFailure } from './verification-failure.ts';
import { warnAboutWeights } from './warnings.ts';

interface VerifyFlags {
  readonly target: string;
  readonly samples: string;
  readonly O: string;
  readonly inputValue?: string[];
  readonly inputShape?: string[];
}

interface Sample { readonly label: string; readonly batch: number; readonly value: (random: Random, i: number) => number }

const BATCHES = [1, 3, 7, 2];

/** Edge inputs: exact zeros, huge logits, tiny values; NaN and infinities where the target defines them. */
function edgeSamples(target: TargetName): Sample[] {
  const samples: Sample[] = [
    { label: 'zeros', batch: 2, value: () => 0 },
    { label: '±1e4', batch: 2, value: (_r, i) => (i % 2 === 0 ? 1e4 : -1e4) },
    { label: '±1e-30', batch: 1, value: (_r, i) => (i % 3 === 0 ? 1e-30 : -1e-30) },
  ];
  // The CPU targets document NaN/±Inf propagation; GPUs may flush or fold them.
  if (target !== 'wgsl') samples.push({ label: 'NaN/±Inf', batch: 2, value: (r, i) => [NaN, Infinity, -Infinity][i % 7] ?? r.uniform(-3, 3) });
  return samples;
}

/** f32 inputs take the sample's values (edge values included); ids and masks valid random ones. */
function feedsFor(graph: Graph, sample: Sample, random: Random): TypedFeeds {
  const feeds: Record<string, FeedArray> = {};
  for (const input of graph.inputs) {
    const batch = symbolOf(input.type.shape) === undefined ? 1 : sample.batch;
    const count = sizeOf(bindShape(input.type.shape, batch));
    const data = input.type.dtype === 'f32'
      ? Float32Array.from({ length: count }, (_, i) => sample.value(random, i))
      : generatedFeed(graph, input.name, input.type.dtype, random.uniformArray(count, 0, 1));
    Object.defineProperty(feeds, input.name, { value: data, enumerable: true, writable: true, configurable: true });
  }
  return feeds;
}

function parseTarget(text: string): TargetName {
  if ((TARGET_NAMES as readonly string[]).includes(text)) return text as TargetName;
  throw new CompileError(`unknown target '${text}' (expected one of ${TARGET_NAMES.join(', ')})`);
}

export function parseLevel(text: string): OptLevel {
  if (text === '0' || text === '1' || text === '2') return `O${text}`;
  throw new CompileError(`unknown optimization level -O${text} (expected -O0, -O1 or -O2)`);
}

const sci = (v: number): string => (v === 0 ? '0' : v.toExponential(2));

export function registerVerifyCommand(program: Command): void {
  program
    .command('verify')
    .description('compile a model, run it on random and edge inputs, and compare with the reference interpreter')
    .argument('<model>', 'model file (.onnx, .json, .ir, .ts)')
    .option('-t, --target <target>', `target to check (${TARGET_NAMES.join(', ')})`, 'wasm')
    .option('--samples <n>', 'random input batches to run, besides the edge-value ones', '8')
    .option('-O <level>', 'optimization level 0, 1 or 2', '2')
    .option('--input-value <name=value>', 'ONNX: fix an input at compile time (repeatable), as compile does', collectInputValue)
    .option('--input-shape <name=dims>', 'ONNX: the shape of an input whose dims are symbolic, e.g. input=1,512 (repeatable)', collectInputValue)
    .addHelpText('after', ['', 'Examples:', '  fusegraph verify model.onnx --target js', '  fusegraph verify examples/seed-mlp.ts --target wgsl --samples 20'].join('\n'))
    .action(async (model: string, flags: VerifyFlags) => {
      const target = parseTarget(flags.target);
      const level = parseLevel(flags.O);
      const samples = Number(flags.samples);
      if (!Number.isSafeInteger(samples) || samples < 0 || samples > 10_000) throw new CompileError(`--samples must be an integer in 0..10000, got '${flags.samples}'`);
      if (isBundleFile(model)) {
        throw new CompileError('verify takes a model (.onnx, .json, .ir, .ts), not a compiled bundle: it compiles the model itself and compares the result with the reference interpreter (fusegraph run runs a bundle)', { file: model });
      }
      const graph = await loadModel(model, { inputValues: parseInputValues(flags.inputValue), inputShapes: parseInputShapes(flags.inputShape) });
      warnAboutWeights(graph, model);
      const { stats } = optimize(graph, { level });
      const session = await openCompiled(compile(graph, { target, level }), target);
      const tolerance = toleranceFor(graph);
      const worst = new Map(graph.outputs.map((name) => [name, { abs: 0, rel: 0 }]));
      const failures: string[] = [];
      const cases: Sample[] = [
        ...Array.from({ length: samples }, (_, i): Sample => ({ label: `random #${i + 1}`, batch: BATCHES[i % BATCHES.length] ?? 1, value: (r) => r.uniform(-3, 3) })),
        ...edgeSamples(target),
      ];
      try {
        for (const [index, sample] of cases.entries()) {
          const feeds = feedsFor(graph, sample, new Random(index + 1));
          // Every symbol takes the sample's batch (several symbols cannot all be read off lengths).
          const dims = Object.fromEntries(graph.inputs.flatMap((input) => input.type.shape.filter(isSymbolic)).map((s) => [s, sample.batch]));
          const expected = interpret(graph, feeds, dims);
          const actual = await session.run(feeds, dims);
          for (const name of graph.outputs) {
            const result = compareArrays(expected[name] ?? new Float32Array(), actual[name] ?? new Float32Array(), tolerance);
            const record = worst.get(name) ?? { abs: 0, rel: 0 };
            worst.set(name, { abs: Math.max(record.abs, result.maxAbsError), rel: Math.max(record.rel, result.maxRelError) });
            if (!result.ok && result.mismatch !== undefined) {
              const m = result.mismatch;
              failures.push(`${formatName(name)} on ${sample.label} (batch ${sample.batch}): element ${m.index} is ${m.actual}, expected ${m.expected}`);
            }
          }
        }
      } finally {
        session.dispose();
      }
      const out: string[] = [`verify ${formatName(graph.name)} --target ${target} -${level}: ${cases.length} input batches (${samples} random, ${cases.length - samples} edge)`];
      out.push(`tolerance: |error| <= ${sci(tolerance.abs)} + ${sci(tolerance.rel)}·|expected|`);
      out.push('passes (nodes before → after):');
      for (const stat of stats) out.push(`  ${stat.pass.padEnd(24)} ${stat.nodesBefore} → ${stat.nodesAfter}`);
      out.push('outputs (max abs error, max rel error):');
      for (const [name, record] of worst) out.push(`  ${formatName(name).padEnd(24)} ${sci(record.abs).padEnd(10)} ${sci(record.rel)}`);
      process.stdout.write(`${out.join('\n')}\n`);
      if (failures.length > 0) {
        throw new VerificationFailure(`${failures.length} comparison(s) beyond tolerance; first: ${failures[0] ?? ''}`);
      }
      process.stdout.write('ok: every output within tolerance\n');
    });
}
