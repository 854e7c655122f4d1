// Writes the wasm bundle: an ES module with the same `metadata`, `load(options?)` and
// session as every fusegraph target, the module bytes (plain SIMD, plus relaxed SIMD when
// asked for) and the weight image embedded as base64 or kept in a .weights.bin file, and
// its .d.ts. Model names appear only in escaped string literals and comments.

import { formatValueName } from '../../ir/names.ts';
import { lookupRecord } from './lookup-kernel.ts';
import type { Graph } from '../../ir/graph.ts';
import { printGraph } from '../../ir/print.ts';
import { formatShape } from '../../ir/types.ts';
import { DECODE_WEIGHTS, FEED_CHECK, FETCH_WEIGHTS, SYMBOL_FEED_CHECK } from '../js/runtime.ts';
import { extentSource, SIZES_SOURCE } from '../runtime-sizes.ts';
import type { RuntimeProgram } from '../runtime-program.ts';
import type { LoweredProgram } from '../affine-kernels.ts';
import { commentLine, commentText, stringLiteral } from '../namer.ts';
import { storageNote, storeWeights, widenWeightsSource, type WeightsDtype } from '../weight-storage.ts';
import { dropUnusedHelpers } from '../unused-helpers.ts';
import { CodeWriter } from '../writer.ts';
import type { AffineBytes } from './memory-layout.ts';
import type { WasmProgram } from './program.ts';
import { MAX_PAGES } from './module-assembler.ts';
import { WASM_ARRAY_STREAM, wasmLoadSource } from './runtime.ts';
import { THREAD_POOL } from './thread-pool-runtime.ts';
import { STREAM_PLAN, streamPossible } from '../stream-runtime.ts';

export interface WasmBundleOptions {
  readonly weights: 'embed' | 'external';
  readonly weightsFile: string;
  readonly dtype: WeightsDtype;
  /** Several symbols: the bundle binds them and evaluates the run-time sizes per call. */
  readonly runtime?: RuntimeProgram;
  /** false: compiled without threads (`wasm: { threads: false }`). */
  readonly threads?: boolean;
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** perSample · batch + fixed as JS; a run-time size reads `slots` (the values of this call). */
function affine(value: AffineBytes, batch: string): string {
  if (value.perSample === 0) return String(value.fixed);
  if (value.slot !== undefined) return extentSource(value, 'slots');
  return `${value.perSample} * ${batch} + ${value.fixed}`;
}

function metadataLiteral(program: LoweredProgram): string {
  const tensors = (list: LoweredProgram['inputs']): unknown => list.map((t) => ({ name: t.name, shape: [...t.shape], dtype: t.dtype }));
  const json = JSON.stringify({ name: program.name, symbols: [...program.symbols], inputs: tensors(program.inputs), outputs: tensors(program.outputs) }, null, 2);
  return json.replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** The statements that read and copy in the feeds (replacing `/*FEEDS*\/`). */
function feedStatements(program: LoweredProgram, wasm: WasmProgram, runtime: RuntimeProgram | undefined): { check: string[]; copy: string[] } {
  const check: string[] = [];
  const copy: string[] = [];
  if (runtime !== undefined) return runtimeFeedStatements(program, wasm);
  program.inputs.forEach((input, index) => {
    const batched = input.size.perSample !== 0;
    const sample = batched ? input.size.perSample : input.size.fixed;
    const dtype = input.dtype === 'f32' ? '' : `, ${stringLiteral(input.dtype)}`;
    check.push(`const feed${index} = feedOf(feeds, ${stringLiteral(input.name)}, ${sample}, ${batched}${dtype});`);
    // The first batched input sets the batch; a later one that disagrees names it.
    const first = program.inputs.find((i) => i.size.perSample !== 0)?.name ?? input.name;
    if (batched) check.push(`batch = batchOf(${stringLiteral(input.name)}, feed${index}, ${sample}, batch, ${stringLiteral(first)});`);
    const address = wasm.layout.inputs[index] ?? { perSample: 0, fixed: 0 };
    copy.push(`heap.set(feed${index}, (${affine(address, 'batch')}) >>> 2);`);
  });
  return { check, copy };
}

/**
 * With several symbols: every feed read, bindDims binds the symbols from their lengths (and
 * `dims`), the run-time sizes are evaluated, set the memory `need`, and are written to the
 * sizes table before the feeds are copied in.
 */
function runtimeFeedStatements(program: LoweredProgram, wasm: WasmProgram): { check: string[]; copy: string[] } {
  const check = program.inputs.map((input, index) => {
    const dtype = input.dtype === 'f32' ? '' : `, ${stringLiteral(input.dtype)}`;
    return `const feed${index} = feedData(feeds, ${stringLiteral(input.name)}${dtype});`;
  });
  check.push(`slots = evalSizes(SIZE_SLOTS, bindDims(INPUT_NAMES, INPUT_SHAPES, [${program.inputs.map((_, i) => `feed${i}`).join(', ')}], metadata.symbols, dims));`);
  check.push(`need = ${affine(wasm.layout.total, 'batch')};`);
  // Threads 1, 2, … each get a tail of their own (attention's packed keys: threads.ts threadTail).
  const tail = wasm.layout.tail;
  if (wasm.threaded && tail !== undefined) check.push(`need += (threads - 1) * (need - (${affine(tail, 'batch')}));`);
  const copy = [`new Int32Array(memory.buffer).set(slots, ${wasm.layout.sizesAddress ?? 0} >>> 2);`];
  program.inputs.forEach((_, index) => {
    const address = wasm.layout.inputs[index] ?? { perSample: 0, fixed: 0 };
    copy.push(`heap.set(feed${index}, (${affine(address, 'batch')}) >>> 2);`);
  });
  return { check, copy };
}

/**
 * The body of `checkLookups()`: where the program gathers by run-time ids, throws a lookup
 * kernel's error when its record says it trapped on a bad id (lookup-kernel.ts writes it
 * before trapping, on whichever thread ran the kernel). With several symbols the ids' strides
 * are run-time sizes (`slots` of the call).
 */
function lookupStatements(program: LoweredProgram, runtime: RuntimeProgram | undefined): string[] {
  const lookups = program.kernels.flatMap((kernel) => {
    const record = kernel.kind === 'lookup' ? lookupRecord(kernel) : undefined;
    if (kernel.kind !== 'lookup' || record === undefined) return [];
    const strides = runtime === undefined ? kernel.idsStrides.map(String) : (runtime.idsStrides.get(kernel) ?? []).map((s) => affine(s, 'batch'));
    return [`[${record.address}, ${stringLiteral(formatValueName(kernel.idsName))}, [${strides.join(', ')}], ${kernel.size}]`];
  });
  if (lookups.length === 0) return [];
  return [
    'const records = new DataView(memory.buffer);',
    `for (const [at, shown, strides, size] of [${lookups.join(', ')}]) {`,
    '  if (records.getInt32(at, true) !== 1) continue;',
    '  records.setInt32(at, 0, true);',
    '  lookupError(shown, records.getFloat32(at + 8, true), records.getInt32(at + 4, true), strides, size);',
    '}',
  ];
}

function resultStatements(program: LoweredProgram, wasm: WasmProgram): string[] {
  const lines: string[] = [];
  program.outputs.forEach((output, index) => {
    const address = wasm.layout.outputs[index] ?? { perSample: 0, fixed: 0 };
    lines.push(`const start${index} = (${affine(address, 'batch')}) >>> 2;`);
    lines.push(`const result${index} = heap.slice(start${index}, start${index} + ${affine(output.size, 'batch')});`);
  });
  lines.push('return {');
  program.outputs.forEach((output, index) => {
    const key = output.name === '__proto__' ? `[${stringLiteral(output.name)}]` : stringLiteral(output.name);
    lines.push(`  ${key}: result${index},`);
  });
  lines.push('};');
  return lines;
}

/** The byte of the module(s) holding the memory import's limits (the same in both modules). */
function memoryFlagsOffset(wasm: WasmProgram): number {
  const offset = wasm.simd.memoryFlagsOffset();
  if (wasm.relaxed !== undefined && wasm.relaxed.memoryFlagsOffset() !== offset) throw new Error('internal: the modules import memory at different offsets');
  return offset;
}

/**
 * Why a load of this program runs on one thread whatever it asks for, if it must: then the
 * bundle was compiled without threads (no thread pool, no `work` in the module).
 */
function threadsUnavailable(wasm: WasmProgram, options: WasmBundleOptions): string | undefined {
  if (wasm.threaded) return undefined;
  if (options.threads === false) return 'compiled without threads';
  // With run-time sizes only affine kernels split (program.ts).
  if (options.runtime !== undefined) return 'compiled without threads: several symbolic dims (run-time sizes), and no affine kernel large enough to split';
  return 'compiled without threads: no kernel of this graph is large enough to split between threads';
}

export function emitWasmBundle(graph: Graph, program: LoweredProgram, wasm: WasmProgram, options: WasmBundleOptions): string {
  const simd = wasm.simd.bytes();
  const relaxed = wasm.relaxed?.bytes();
  const io = (list: LoweredProgram['inputs']): string => list.map((t) => `${commentText(t.name)}: ${t.dtype}${formatShape(t.shape)}`).join(', ');
  const w = new CodeWriter();
  w.line(`// fusegraph wasm bundle for graph ${commentText(program.name)}. Generated code: edit the model, not this file.`);
  w.line(`// inputs: ${io(program.inputs)}`);
  w.line(`// outputs: ${io(program.outputs)}`);
  const relaxedNote = relaxed === undefined
    ? ''
    : ` (+ ${relaxed.length} bytes using relaxed SIMD, chosen when the engine validates it)`;
  const weightsWhere = `${options.weights === 'embed' ? 'embedded (base64' : `in ${commentText(options.weightsFile)} (`}${storageNote(options.dtype)})`;
  w.line(`// code: ${simd.length} bytes of WebAssembly SIMD128${relaxedNote}`);
  w.line(`// weights: ${wasm.layout.image.length} bytes (packed linear panels, raw constants, kernel index tables), ${weightsWhere}`);
  if (wasm.threaded) {
    w.line('// After `await load({ threads })`, session.run(feeds) runs on a pool of threads sharing the memory');
    w.line('// (session.threads of them; session.threadsReason says why that many); session.runSync(feeds) runs on the calling thread.');
  } else {
    w.line('// Compiled without threads: session.run(feeds) and session.runSync(feeds) run on the calling thread.');
  }
  w.line('//').line('// IR after optimization:');
  w.all(printGraph(graph).trimEnd().split('\n').map((line) => `//   ${commentLine(line)}`)).line();
  w.line(`export const metadata = Object.freeze(${metadataLiteral(program)});`).line();
  w.line(`const SIMD_MODULE_BASE64 = "${base64(simd)}";`);
  const relaxedLiteral = relaxed === undefined ? 'null' : `"${base64(relaxed)}"`;
  w.line(`const RELAXED_MODULE_BASE64 = ${relaxedLiteral};`);
  if (options.weights === 'embed') w.line(`const WEIGHTS_BASE64 = "${base64(storeWeights(wasm.layout.image, options.dtype))}";`);
  else w.line('const WEIGHTS_BASE64 = null;').line(`const WEIGHTS_FILE = ${stringLiteral(options.weightsFile)};`);
  w.line(`const IMAGE_BYTES = ${wasm.layout.image.length};`);
  w.line(`const MEMORY_PER_SAMPLE = ${wasm.layout.total.perSample};`);
  w.line(`const MEMORY_FIXED = ${wasm.layout.total.fixed};`);
  w.line(`const MEMORY_MAX_PAGES = ${MAX_PAGES};`);
  if (wasm.threaded) {
    w.line(`const MEMORY_FLAGS_AT = ${memoryFlagsOffset(wasm)};`);
    w.line(`const CONTROL_ADDRESS = ${wasm.layout.controlAddress};`);
  }
  w.line(`const SCRATCH_STRIDE = ${wasm.layout.scratchStride};`);
  const unavailable = threadsUnavailable(wasm, options);
  w.line(`const THREADS_UNAVAILABLE = ${unavailable === undefined ? 'null' : stringLiteral(unavailable)};`);
  // The smallest batch at which some kernel splits between threads (threads.ts).
  const splitFrom = wasm.splitFrom.filter((from): from is number => from !== undefined);
  if (wasm.threaded) w.line(`const SPLIT_FROM_BATCH = ${Math.min(...splitFrom)};`);
  w.line(`const INPUT_NAMES = [${program.inputs.map((t) => stringLiteral(t.name)).join(', ')}];`);
  // Several symbols: each slot's polynomial over the symbols (runtime-sizes.ts), else null.
  w.line(`const SIZE_SLOTS = ${options.runtime === undefined ? 'null' : options.runtime.sizes.literal()};`);
  if (options.runtime !== undefined) w.line(`const INPUT_SHAPES = ${JSON.stringify(program.inputs.map((t) => t.shape))};`);
  // Byte addresses [perSample, fixed] of each input and output region, for stream().
  const stream = streamPossible(program.inputs, program.outputs);
  if (stream) w.block('const INPUT_LAYOUT = [', () => program.inputs.forEach((input, index) => {
    const batched = input.size.perSample !== 0;
    const address = wasm.layout.inputs[index] ?? { perSample: 0, fixed: 0 };
    w.line(`{ name: ${stringLiteral(input.name)}, sample: ${batched ? input.size.perSample : input.size.fixed}, batched: ${batched}, address: [${address.perSample}, ${address.fixed}] },`);
  }), '];');
  if (stream) w.block('const OUTPUT_LAYOUT = [', () => program.outputs.forEach((output, index) => {
    const address = wasm.layout.outputs[index] ?? { perSample: 0, fixed: 0 };
    w.line(`{ name: ${stringLiteral(output.name)}, size: [${output.size.perSample}, ${output.size.fixed}], address: [${address.perSample}, ${address.fixed}] },`);
  }), '];');
  w.line();
  w.all(DECODE_WEIGHTS.split('\n')).line();
  w.all(widenWeightsSource(options.dtype).split('\n')).line();
  w.all((options.runtime === undefined ? FEED_CHECK : `${SYMBOL_FEED_CHECK}\n\n${SIZES_SOURCE}`).split('\n')).line();
  if (stream) w.all(STREAM_PLAN.split('\n')).line();
  if (stream && options.runtime !== undefined) w.all(WASM_ARRAY_STREAM.split('\n')).line();
  if (options.weights === 'external') w.all(FETCH_WEIGHTS.split('\n')).line();
  if (wasm.threaded) w.all(THREAD_POOL.split('\n')).line();
  const feeds = feedStatements(program, wasm, options.runtime);
  const lookups = lookupStatements(program, options.runtime);
  for (const line of wasmLoadSource(wasm.threaded, stream).split('\n')) {
    const indent = line.slice(0, line.length - line.trimStart().length);
    const filled = { '/*FEEDS*/': feeds.check, '/*COPY*/': feeds.copy, '/*LOOKUPS*/': lookups, '/*RESULTS*/': resultStatements(program, wasm) }[line.trim()];
    if (filled !== undefined) w.all(filled.map((l) => indent + l));
    else w.line(line);
  }
  return dropUnusedHelpers(w.toString());
}
