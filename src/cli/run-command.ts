// `fusegraph run <model|bundle.mjs> --input FILE`: runs a model (through the reference
// interpreter) or a compiled bundle on inputs from files, and prints a summary of each output
// or writes them (--output .json/.npy/.bin).

import { extname } from 'node:path';
import type { Command } from 'commander';
import { CompileError } from '../../ir/errors.ts';
import type { FeedArray } from '../../ir/feeds.ts';
import { interpret, type DimValues, type TypedFeeds } from '../../ir/interpret.ts';
import { feedOfDtype } from './typed-feeds.ts';
import { loadModel } from '../load-model.ts';
import { writeFilesAtomically } from './atomic-write.ts';
import { isBundleFile, openBundleFile, type Outputs } from './bundle-session.ts';
import { assignInputs, bindInputDims, concreteOf, type BoundDims, type TensorSpec } from './io-shapes.ts';
import { summarizeOutput } from './output-summary.ts';
import { encodeJsonOutputs, encodeNpy, encodeRawF32, readTensorFile } from './tensor-files.ts';
import { warnAboutWeights } from './warnings.ts';

interface RunFlags {
  readonly input: string[];
  readonly output?: string;
  readonly shape?: string;
}

interface Runnable {
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  run(feeds: TypedFeeds, dims: DimValues): Promise<Outputs>;
  dispose(): void;
}

function parseShape(text: string): number[] {
  const dims = text.split(',').map((d) => Number(d.trim()));
  if (dims.length === 0 || !dims.every((d) => Number.isSafeInteger(d) && d > 0)) throw new CompileError(`--shape must be positive integers separated by commas, got '${text}'`);
  return dims;
}

async function openRunnable(model: string): Promise<Runnable> {
  if (isBundleFile(model)) {
    const session = await openBundleFile(model);
    return { inputs: session.metadata.inputs, outputs: session.metadata.outputs, run: (feeds, dims) => session.run(feeds, dims), dispose: () => session.dispose() };
  }
  const graph = await loadModel(model);
  warnAboutWeights(graph, model);
  const types = new Map([...graph.inputs.map((v) => [v.name, v.type] as const), ...graph.nodes.map((n) => [n.name, n.type] as const)]);
  return {
    inputs: graph.inputs.map((v) => ({ name: v.name, shape: v.type.shape, dtype: v.type.dtype })),
    outputs: graph.outputs.map((name) => ({ name, shape: types.get(name)?.shape ?? [] })),
    run: async (feeds, dims) => interpret(graph, feeds, dims),
    dispose: () => undefined,
  };
}

function outputFiles(path: string, outputs: readonly { name: string; shape: number[]; data: Float32Array }[]): { path: string; contents: string | Uint8Array } {
  const extension = extname(path).toLowerCase();
  if (extension === '.json') return { path, contents: encodeJsonOutputs(outputs) };
  const [only] = outputs;
  if (outputs.length !== 1 || only === undefined) throw new CompileError(`the model has ${outputs.length} outputs; write them to a .json file`, { file: path });
  if (extension === '.npy') return { path, contents: encodeNpy(only.shape, only.data) };
  if (extension === '.bin') return { path, contents: encodeRawF32(only.data) };
  throw new CompileError('unknown output format (expected .json, .npy or .bin)', { file: path });
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run a model (reference interpreter) or a compiled bundle on inputs from files')
    .argument('<model>', 'model file (.onnx, .json, .ir, .ts) or a compiled bundle (.mjs)')
    .requiredOption('-i, --input <file>', 'input tensor: .json (nested arrays), .npy, or raw f32 .bin; NAME=FILE for several inputs', (v: string, prev: string[] = []) => [...prev, v])
    .option('--shape <dims>', 'shape of a raw .bin input, e.g. 4,784')
    .option('-o, --output <file>', 'write the outputs (.json for all, .npy or .bin for one) instead of a summary')
    .addHelpText('after', [
      '',
      'Examples:',
      '  fusegraph run model.onnx --input batch.npy',
      '  fusegraph run dist/seed_mlp.mjs --input x.bin --shape 32,784 --output logits.npy',
      '  fusegraph run model.json --input x=a.json --input mask=b.json --output out.json',
    ].join('\n'))
    .action(async (model: string, flags: RunFlags) => {
      const runnable = await openRunnable(model);
      try {
        const files = assignInputs(runnable.inputs, flags.input);
        const shape = flags.shape === undefined ? undefined : parseShape(flags.shape);
        if (shape !== undefined && files.size !== 1) throw new CompileError('--shape applies to a single input');
        const feeds: Record<string, FeedArray> = {};
        const bound: BoundDims = new Map();
        for (const spec of runnable.inputs) {
          const file = files.get(spec.name) ?? '';
          const tensor = readTensorFile(file, shape);
          bindInputDims(spec, tensor, file, bound);
          const value = feedOfDtype(spec.name, spec.dtype, tensor.data);
          Object.defineProperty(feeds, spec.name, { value, enumerable: true, writable: true, configurable: true });
        }
        const dims = new Map([...bound].map(([symbol, { value }]) => [symbol, value]));
        const results = await runnable.run(feeds, Object.fromEntries(dims));
        const outputs = runnable.outputs.map((spec) => ({ name: spec.name, shape: concreteOf(spec.shape, dims), data: results[spec.name] ?? new Float32Array() }));
        if (flags.output !== undefined) {
          writeFilesAtomically([outputFiles(flags.output, outputs)]);
          return;
        }
        for (const output of outputs) process.stdout.write(`${summarizeOutput(output.name, output.shape, output.data)}\n`);
      } finally {
        runnable.dispose();
      }
    });
}
