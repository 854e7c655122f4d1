// Assembles a standalone JS inference module from a lowered program: header comment with the
// IR, metadata, weights stored once, one function per kernel, a synchronous `run` that
// checks its feeds and allocates only the result arrays, and the `load` session facade.

import type { Graph } from '../../ir/graph.ts';
import { evaluateSize } from '../../ir/memory-plan.ts';
import { printGraph } from '../../ir/print.ts';
import type { Shape } from '../../ir/types.ts';
import { formatShape } from '../../ir/types.ts';
import { JS_ERF_SOURCE, usesFn } from '../expr-render.ts';
import { kernelBodies } from '../kernel-info.ts';
import type { Kernel, LoweredProgram } from '../kernels.ts';
import { commentLine, commentText, Namer, stringLiteral } from '../namer.ts';
import { storageNote, storeWeights, widenWeightsSource, type WeightsDtype } from '../weight-storage.ts';
import { dropUnusedHelpers } from '../unused-helpers.ts';
import { CodeWriter } from '../writer.ts';
import { emitElementwise } from './kernel-elementwise.ts';
import { emitRecurrence } from './kernel-recurrence.ts';
import { emitLinear } from './kernel-linear.ts';
import { emitGather, emitResize } from './kernel-gather.ts';
import { emitLookup } from './kernel-lookup.ts';
import { emitMatmul, emitSoftmax } from './kernel-reduce.ts';
import { emitAttention, emitLayerNorm } from './kernel-sequence.ts';
import { emitDenseConv, isDenseConv } from './kernel-conv.ts';
import { emitConv, emitReduce } from './kernel-window.ts';
import { STREAM_PLAN, streamPossible } from '../stream-runtime.ts';
import { ARRAY_STREAM } from '../array-stream.ts';
import { DECODE_WEIGHTS, FETCH_WEIGHTS, jsLoadSource, SYMBOL_FEED_CHECK } from './runtime.ts';
import { KernelScope, renderExtent, symbolVar, type ArrayKey } from './scope.ts';
import { planWeights, toBase64, type WeightBlob } from './weights.ts';

export interface JsBundleOptions {
  readonly weights: 'embed' | 'external';
  /** File name of the external weights, relative to the module. */
  readonly weightsFile: string;
  readonly dtype: WeightsDtype;
}

export interface JsBundle {
  readonly module: string;
  /** The weights as stored (embedded in the module, or the external file's bytes). */
  readonly weights: Uint8Array;
}

/** Names the bundle's own code uses; model names are uniquified around them. */
const FIXED_NAMES = [
  'metadata', 'run', 'load', 'weights', 'arena', 'batch', 'feeds', 'dims', 'floatsOf', 'bytesOfBase64', 'feedData', 'batchOf',
  'bindDims', 'disagreement', 'INPUT_SHAPES', 'SYMBOLS', 'symbolValues',
  'checkFeedNames', 'streamPlan', 'checkChunk', 'fetchWeights', 'installWeights', 'widenWeights', 'arenaFor', 'erf', 'lookupError', 'lanesOf', 'checkIds', 'FEED_KINDS', 'scratch', 'WEIGHTS_BASE64', 'WEIGHTS_FILE', 'INPUT_NAMES',
];

function emitKernel(kernel: Kernel, name: string, packedWeights: ReadonlySet<number>, symbols: readonly string[]): { code: string; params: ArrayKey[]; scratch: number } {
  const scope = new KernelScope(symbols);
  const body = new CodeWriter();
  body.indented(() => {
    switch (kernel.kind) {
      case 'elementwise': emitElementwise(kernel, scope, body); break;
      case 'linear':
        emitLinear(kernel, scope, body, kernel.weight.kind === 'const' && packedWeights.has(kernel.weight.index));
        break;
      case 'matmul': emitMatmul(kernel, scope, body); break;
      case 'softmax': emitSoftmax(kernel, scope, body); break;
      case 'conv':
        if (isDenseConv(kernel) && kernel.weight.kind === 'const' && packedWeights.has(kernel.weight.index)) emitDenseConv(kernel, scope, body);
        else emitConv(kernel, scope, body);
        break;
      case 'reduce': emitReduce(kernel, scope, body); break;
      case 'gather': emitGather(kernel, scope, body); break;
      case 'resize': emitResize(kernel, scope, body); break;
      case 'lookup': emitLookup(kernel, scope, body); break;
      case 'recurrence': emitRecurrence(kernel, scope, body); break;
      case 'layer_norm': emitLayerNorm(kernel, scope, body); break;
      case 'attention': emitAttention(kernel, scope, body); break;
      default: { const never: never = kernel; throw new Error(`internal: unknown kernel ${String(never)}`); }
    }
  });
  const text = new CodeWriter();
  text.line(`// ${kernel.op} ${commentText(kernel.label)}`);
  if (scope.statics.length > 0) {
    // Tables the kernel reads live in a closure around it, made once at load.
    text.line(`const ${name} = (() => {`);
    text.indented(() => text.all(scope.statics).line(`return ${scope.signature(name)} {`));
    const inner = new CodeWriter();
    inner.indented(() => inner.indented(() => inner.all(scope.prologue)));
    const indentedBody = body.toString().trimEnd().split('\n').map((line) => (line === '' ? line : `  ${line}`));
    const code = `${text.toString()}${inner.toString()}${indentedBody.join('\n')}\n  };\n})();\n`;
    return { code, params: scope.params.map((p) => p.key), scratch: scope.scratchSize };
  }
  text.line(`${scope.signature(name)} {`);
  text.indented(() => text.all(scope.prologue));
  return { code: `${text.toString()}${body.toString()}}\n`, params: scope.params.map((p) => p.key), scratch: scope.scratchSize };
}

function header(graph: Graph, program: LoweredProgram, blob: WeightBlob, options: JsBundleOptions): string[] {
  const io = (list: LoweredProgram['inputs']): string => list.map((t) => `${commentText(t.name)}: f32${formatShape(t.shape)}`).join(', ');
  const stored = options.weights === 'embed' ? `embedded (base64, ${storageNote(options.dtype)})` : `in ${commentText(options.weightsFile)} (${storageNote(options.dtype)})`;
  return [
    `// fusegraph bundle for graph ${commentText(program.name)}. Generated code: edit the model, not this file.`,
    `// inputs: ${io(program.inputs)}`,
    `// outputs: ${io(program.outputs)}`,
    `// weights: ${blob.bytes.length / 4} f32 values, ${stored}`,
    '// run(feeds) is synchronous; load() returns the session every fusegraph target offers.',
    '//',
    '// IR after optimization:',
    ...printGraph(graph).trimEnd().split('\n').map((line) => `//   ${commentLine(line)}`),
  ];
}

/** Shapes (or symbol lists) as a JS literal: JSON, safe on one line. */
function shapesLiteral(shapes: readonly (Shape | readonly string[])[]): string {
  return JSON.stringify(shapes).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function metadataLiteral(program: LoweredProgram): string {
  const tensors = (list: LoweredProgram['inputs']): unknown => list.map((t) => ({ name: t.name, shape: [...t.shape], dtype: t.dtype }));
  const json = JSON.stringify({ name: program.name, symbols: [...program.symbols], inputs: tensors(program.inputs), outputs: tensors(program.outputs) }, null, 2);
  return json.replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** The weight blob and one view per stored tensor; returns each tensor's variable name. */
function emitWeights(w: CodeWriter, program: LoweredProgram, blob: WeightBlob, options: JsBundleOptions, namer: Namer): Map<ArrayKey, string> {
  const names = new Map<ArrayKey, string>();
  blob.tensors.forEach((tensor, index) => names.set(tensor.key, namer.fresh(`${tensor.key.startsWith('packed') ? 'packed' : 'const'}${index}`)));
  const nameOf = (key: ArrayKey): string => names.get(key) ?? '';
  if (options.weights === 'embed') w.line(`const WEIGHTS_BASE64 = "${toBase64(storeWeights(blob.bytes, options.dtype))}";`);
  else w.line(`const WEIGHTS_FILE = ${stringLiteral(options.weightsFile)};`);
  w.line('let weights = null;');
  for (const tensor of blob.tensors) {
    const constant = program.constants[tensor.constant];
    const how = tensor.key.startsWith('packed') ? 'packed for the linear kernel' : 'row-major';
    w.line(`let ${nameOf(tensor.key)} = null; // ${commentText(constant?.label ?? '')} f32${formatShape(constant?.shape ?? [])}, ${how}`);
  }
  w.line().all(DECODE_WEIGHTS.split('\n')).line();
  w.all(widenWeightsSource(options.dtype).split('\n')).line();
  w.block('function installWeights(stored) {', () => {
    w.line('const bytes = widenWeights(stored);');
    w.line(`if (bytes.byteLength !== ${blob.bytes.length}) throw new Error("fusegraph: expected ${blob.bytes.length} bytes of weights, got " + bytes.byteLength);`);
    w.line('weights = floatsOf(bytes);');
    for (const tensor of blob.tensors) w.line(`${nameOf(tensor.key)} = weights.subarray(${tensor.offset}, ${tensor.offset + tensor.data.length});`);
  });
  if (options.weights === 'embed') w.line('installWeights(bytesOfBase64(WEIGHTS_BASE64));');
  else w.line().all(FETCH_WEIGHTS.split('\n'));
  return names;
}

/** The arena: every intermediate, laid out by the memory plan; grown only when the symbols need more. */
function emitArena(w: CodeWriter, program: LoweredProgram): void {
  w.line(`let arena = new Float32Array(${evaluateSize(program.arenaSize, 1)});`);
  w.block('function arenaFor(size) {', () => {
    w.line('if (arena.length < size) arena = new Float32Array(size);');
    w.line('return arena;');
  });
}

/** `run(feeds)`: check the feeds, infer the batch, allocate the results, call the kernels. */
function emitRun(w: CodeWriter, program: LoweredProgram, feedName: readonly string[], resultName: readonly string[], calls: readonly string[]): void {
  w.line(`const INPUT_NAMES = [${program.inputs.map((t) => stringLiteral(t.name)).join(', ')}];`);
  w.line(`const INPUT_SHAPES = ${shapesLiteral(program.inputs.map((t) => t.shape))};`);
  w.line(`const SYMBOLS = ${shapesLiteral([program.symbols])}[0];`).line();
  w.block('export function run(feeds, dims) {', () => {
    w.line('if (weights === null) throw new Error("fusegraph: the weights are not loaded yet; await load() first");');
    w.line('checkFeedNames(feeds, INPUT_NAMES);');
    program.inputs.forEach((input, index) => {
      const dtype = input.dtype === 'f32' ? '' : `, ${stringLiteral(input.dtype)}`;
      w.line(`const ${feedName[index] ?? ''} = feedData(feeds, ${stringLiteral(input.name)}${dtype});`);
    });
    w.line(`const symbolValues = bindDims(INPUT_NAMES, INPUT_SHAPES, [${feedName.join(', ')}], SYMBOLS, dims);`);
    program.symbols.forEach((symbol, index) => w.line(`const ${symbolVar(symbol)} = symbolValues[${index}];`));
    w.line(`const arena = arenaFor(${renderExtent(program.arenaSize)});`);
    program.outputs.forEach((output, index) => w.line(`const ${resultName[index] ?? ''} = new Float32Array(${renderExtent(output.size)});`));
    w.all(calls);
    w.line('return {');
    w.indented(() => program.outputs.forEach((output, index) => {
      // A computed key: a plain "__proto__" key in a literal would set the prototype instead.
      const key = output.name === '__proto__' ? `[${stringLiteral(output.name)}]` : stringLiteral(output.name);
      w.line(`${key}: ${resultName[index] ?? ''},`);
    }));
    w.line('};');
  });
}

export function emitJsBundle(graph: Graph, program: LoweredProgram, options: JsBundleOptions): JsBundle {
  const blob = planWeights(program);
  const namer = new Namer();
  const resultName = program.outputs.map((_, index) => `result${index}`);
  const feedName = program.inputs.map((_, index) => `feed${index}`);
  namer.reserve(...FIXED_NAMES, ...resultName, ...feedName);
  const packed = new Set(blob.tensors.filter((t) => t.key.startsWith('packed:')).map((t) => t.constant));
  const w = new CodeWriter();
  w.all(header(graph, program, blob, options)).line();
  w.line(`export const metadata = Object.freeze(${metadataLiteral(program)});`).line();
  const storedName = emitWeights(w, program, blob, options, namer);
  w.line();
  emitArena(w, program);
  w.line();
  if (program.kernels.some((k) => kernelUsesErf(k))) w.line(JS_ERF_SOURCE).line();
  let scratch = 0;
  const kernelCode = new CodeWriter();
  const calls = program.kernels.map((kernel, index) => {
    const name = namer.fresh(`k${index}_${kernel.label}`);
    const emitted = emitKernel(kernel, name, packed, program.symbols);
    scratch = Math.max(scratch, emitted.scratch);
    kernelCode.all(emitted.code.trimEnd().split('\n')).line();
    const args = emitted.params.map((key) => argumentFor(key, storedName, feedName, resultName));
    return `${name}(${[...program.symbols.map(symbolVar), ...args].join(', ')});`;
  });
  // One scratch array serves every kernel that needs one (they run one after another).
  if (scratch > 0) w.line(`const scratch = new Float32Array(${scratch});`).line();
  w.all(kernelCode.toString().trimEnd().split('\n')).line();
  w.all(SYMBOL_FEED_CHECK.split('\n')).line();
  const stream = streamPossible(program.inputs, program.outputs);
  if (stream) w.all(STREAM_PLAN.split('\n')).line().all(ARRAY_STREAM.split('\n')).line();
  emitRun(w, program, feedName, resultName, calls);
  w.line().all(jsLoadSource(options.weights === 'external', stream).split('\n'));
  return { module: dropUnusedHelpers(w.toString()), weights: storeWeights(blob.bytes, options.dtype) };
}

function kernelUsesErf(kernel: Kernel): boolean {
  return kernelBodies(kernel).some((body) => usesFn(body, 'erf'));
}

function argumentFor(key: ArrayKey, stored: ReadonlyMap<ArrayKey, string>, feeds: readonly string[], results: readonly string[]): string {
  const [kind, index = '0'] = key.split(':');
  const i = Number(index);
  switch (kind) {
    case 'input': return feeds[i] ?? 'undefined';
    case 'output': return results[i] ?? 'undefined';
    case 'arena': return 'arena';
    case 'scratch': return 'scratch';
    default: {
      const name = stored.get(key);
      if (name === undefined) throw new Error(`internal: no stored tensor for ${key}`);
      return name;
    }
  }
}
