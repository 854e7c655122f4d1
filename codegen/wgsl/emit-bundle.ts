// Assembles a standalone WGSL bundle (.mjs, no imports): header comment with the IR, the same
// `metadata` as the JS bundle, the weights stored once in the GPU layout's order, one WGSL
// shader per kernel as a string literal with its dispatch, and the fixed WebGPU host code.

import { formatValueName } from '../../ir/names.ts';
import { hostIdChecks } from './lookup-shader.ts';
import type { Graph } from '../../ir/graph.ts';
import { printGraph } from '../../ir/print.ts';
import { formatShape } from '../../ir/types.ts';
import { CHECK_IDS, DECODE_WEIGHTS, FEED_CHECK, FETCH_WEIGHTS, SYMBOL_FEED_CHECK } from '../js/runtime.ts';
import type { RuntimeProgram } from '../runtime-program.ts';
import { SIZES_SOURCE } from '../runtime-sizes.ts';
import { WGSL_RUNTIME_SIZES_HOST } from './runtime-sizes-host.ts';
import { toBase64 } from '../js/weights.ts';
import type { Extent, LoweredProgram, LoweredTensor } from '../affine-kernels.ts';
import { commentLine, commentText, stringLiteral } from '../namer.ts';
import { storageNote, storeWeights, widenWeightsSource, type WeightsDtype } from '../weight-storage.ts';
import { CodeWriter } from '../writer.ts';
import type { GpuLayout } from './layout.ts';
import type { DispatchAxis, ShaderPlan } from './shader-common.ts';
import { EMBEDDED_WEIGHTS, EXTERNAL_WEIGHTS, WGSL_RUNTIME } from './runtime.ts';
import { WGSL_DEVICE } from './runtime-device.ts';
import { WGSL_FEEDS } from './runtime-feeds.ts';
import { WGSL_LOAD } from './runtime-load.ts';
import { STREAM_PLAN } from '../stream-runtime.ts';

export interface WgslBundleOptions {
  readonly weights: 'embed' | 'external';
  readonly weightsFile: string;
  /** The largest batch the default limits allow (load() rejects more). */
  readonly maxBatchLimit: number;
  readonly dtype: WeightsDtype;
  /** Include the f16 variants (compile option wgsl.f16). */
  readonly f16: boolean;
  /** Several symbols: sizes evaluated per call (the host of runtime-sizes-host.ts). */
  readonly runtime?: RuntimeProgram;
}

export interface WgslBundle {
  readonly module: string;
  readonly weights: Uint8Array;
}

/** The batch load() prepares for when not told (capped by the limit). */
const DEFAULT_MAX_BATCH = 1024;

function totalFloats(layout: GpuLayout): number {
  return layout.constChunks.reduce((sum, size) => sum + size, 0);
}

/** The weight chunks one after another, as little-endian f32 bytes (padding is zero). */
export function weightBytes(program: LoweredProgram, layout: GpuLayout): Uint8Array {
  const bytes = new Uint8Array(totalFloats(layout) * 4);
  const view = new DataView(bytes.buffer);
  const chunkStart = layout.constChunks.map((_, chunk) => layout.constChunks.slice(0, chunk).reduce((sum, size) => sum + size, 0));
  program.constants.forEach((constant, index) => {
    const place = layout.constants[index];
    const start = (chunkStart[place?.chunk ?? 0] ?? 0) + (place?.offset ?? 0);
    constant.data.forEach((value, i) => view.setFloat32((start + i) * 4, value, true));
  });
  return bytes;
}

function windowLiteral(shader: ShaderPlan): string {
  return shader.consts === undefined ? 'null' : `[${shader.consts.chunk}, ${shader.consts.offset}, ${shader.consts.size}]`;
}

/** [perSample, fixed], with a run-time size's slot third (several symbols). */
function extentLiteral(extent: Extent): string {
  return extent.slot === undefined || extent.perSample === 0 ? `[${extent.perSample}, ${extent.fixed}]` : `[${extent.perSample}, ${extent.fixed}, ${extent.slot}]`;
}

function axisLiteral(axis: DispatchAxis): string {
  const slot = axis.items.slot === undefined || axis.items.perSample === 0 ? '' : `, ${axis.items.slot}`;
  return `[${axis.items.perSample}, ${axis.items.fixed}, ${axis.per}${slot}]`;
}

function metadataLiteral(program: LoweredProgram): string {
  const tensors = (list: readonly LoweredTensor[]): unknown => list.map((t) => ({ name: t.name, shape: [...t.shape], dtype: t.dtype }));
  const json = JSON.stringify({ name: program.name, symbols: [...program.symbols], inputs: tensors(program.inputs), outputs: tensors(program.outputs) }, null, 2);
  return json.replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function header(graph: Graph, program: LoweredProgram, options: WgslBundleOptions, layout: GpuLayout): string[] {
  const io = (list: readonly LoweredTensor[]): string => list.map((t) => `${commentText(t.name)}: ${t.dtype}${formatShape(t.shape)}`).join(', ');
  const stored = options.weights === 'embed' ? `embedded (base64, ${storageNote(options.dtype)})` : `in ${commentText(options.weightsFile)} (${storageNote(options.dtype)})`;
  return [
    `// fusegraph WGSL bundle for graph ${commentText(program.name)}. Generated code: edit the model, not this file.`,
    `// inputs: ${io(program.inputs)}`,
    `// outputs: ${io(program.outputs)}`,
    `// weights: ${totalFloats(layout)} f32 values in ${layout.constChunks.length} buffer(s), ${stored}`,
    ...(options.runtime === undefined
      ? ['// load({ device?, maxBatch? }) prepares the GPU once; session.run(feeds) resolves to the outputs',
        '// (GPUBuffers with run(feeds, { keepOnGpu: true })); session.runBatch([feeds, …]) submits several runs at once.']
      : ['// load({ device?, maxSizes? }) prepares the GPU once; session.run(feeds, dims?) resolves to the outputs.']),
    '//',
    '// IR after optimization:',
    ...printGraph(graph).trimEnd().split('\n').map((line) => `//   ${commentLine(line)}`),
  ];
}

function variantTable(w: CodeWriter, name: string, codes: readonly (string | undefined)[]): void {
  const entries = codes.flatMap((code, index) => (code === undefined ? [] : [`${index}: ${stringLiteral(code)},`]));
  if (entries.length === 0) w.line(`const ${name} = {};`);
  else w.block(`const ${name} = {`, () => w.all(entries), '};');
}

/**
 * The tables and host of a bundle with several symbols: sizes are [scale, fixed, slot] of the
 * run-time sizes SIZE_SLOTS evaluates per call (codegen/runtime-sizes.ts).
 */
function runtimeTables(w: CodeWriter, program: LoweredProgram, layout: GpuLayout, shaders: readonly ShaderPlan[], runtime: RuntimeProgram): void {
  w.line(`const SIZE_SLOTS = ${runtime.sizes.literal()};`);
  w.line(`const INPUT_SHAPES = ${JSON.stringify(program.inputs.map((t) => t.shape))};`);
  w.block('const INPUTS = [', () => program.inputs.forEach((input, index) => {
    w.line(`{ name: ${stringLiteral(input.name)}, dtype: ${stringLiteral(input.dtype)}, offset: ${extentLiteral(layout.inputs[index] ?? input.size)} },`);
  }), '];');
  hostIdChecks(program);
  const checks = program.kernels.flatMap((kernel) => {
    if (kernel.kind !== 'lookup' || kernel.ids.kind !== 'input') return [];
    const strides = (runtime.idsStrides.get(kernel) ?? []).map(extentLiteral);
    return [`[${kernel.ids.index}, ${stringLiteral(formatValueName(kernel.idsName))}, [${strides.join(', ')}], ${kernel.size}]`];
  });
  w.line(`const ID_CHECKS = [${checks.join(', ')}];`);
  w.block('const OUTPUTS = [', () => program.outputs.forEach((output, index) => {
    w.line(`{ name: ${stringLiteral(output.name)}, size: ${extentLiteral(output.size)}, offset: ${extentLiteral(layout.outputs[index] ?? output.size)} },`);
  }), '];');
  w.line('// Per kernel: workgroups along x and y, ceil(size / per), and its window of weights.');
  w.block('const DISPATCH = [', () => shaders.forEach((shader, index) => {
    const kernel = runtime.kernels[index]?.kernel;
    w.line(`[${axisLiteral(shader.dispatch[0])}, ${axisLiteral(shader.dispatch[1])}, ${windowLiteral(shader)}], // ${kernel?.op ?? ''} ${commentText(kernel?.label ?? '')}`);
  }), '];');
  w.block('const SHADERS = [', () => shaders.forEach((shader) => w.line(`${stringLiteral(shader.code)},`)), '];');
  w.line();
}

export function emitWgslBundle(graph: Graph, program: LoweredProgram, layout: GpuLayout, shaders: readonly ShaderPlan[],
  options: WgslBundleOptions): WgslBundle {
  const bytes = weightBytes(program, layout);
  const w = new CodeWriter();
  w.all(header(graph, program, options, layout)).line();
  if (options.runtime !== undefined) {
    w.line(`export const metadata = Object.freeze(${metadataLiteral(program)});`).line();
    if (options.weights === 'embed') w.line(`const WEIGHTS_BASE64 = "${toBase64(storeWeights(bytes, options.dtype))}";`);
    else w.line(`const WEIGHTS_FILE = ${stringLiteral(options.weightsFile)};`);
    w.line(`const CONST_CHUNKS = [${layout.constChunks.join(', ')}];`);
    w.line(`const DATA_SIZE = ${extentLiteral(layout.dataSize)};`);
    runtimeTables(w, program, layout, shaders, options.runtime);
    w.all(DECODE_WEIGHTS.split('\n')).line();
    w.all(widenWeightsSource(options.dtype).split('\n')).line();
    w.all(`${SYMBOL_FEED_CHECK}\n\n${CHECK_IDS}\n\n${SIZES_SOURCE}\n\n${STREAM_PLAN}`.split('\n')).line();
    if (options.weights === 'external') w.all(FETCH_WEIGHTS.split('\n')).line();
    w.all((options.weights === 'embed' ? EMBEDDED_WEIGHTS : EXTERNAL_WEIGHTS).split('\n')).line();
    w.line('const SUBGROUP_SHADERS = {};').line('const F16_SHADERS = {};');
    w.all(WGSL_LOAD.split('\n')).line();
    w.all(WGSL_DEVICE.split('\n')).line();
    w.all(WGSL_RUNTIME_SIZES_HOST.split('\n'));
    return { module: w.toString(), weights: storeWeights(bytes, options.dtype) };
  }
  w.line(`export const metadata = Object.freeze(${metadataLiteral(program)});`).line();
  if (options.weights === 'embed') w.line(`const WEIGHTS_BASE64 = "${toBase64(storeWeights(bytes, options.dtype))}";`);
  else w.line(`const WEIGHTS_FILE = ${stringLiteral(options.weightsFile)};`);
  w.line(`const CONST_CHUNKS = [${layout.constChunks.join(', ')}];`);
  w.line(`const DATA_SIZE = ${extentLiteral(layout.dataSize)};`);
  w.line(`const MAX_BATCH_LIMIT = ${options.maxBatchLimit};`);
  w.line(`const DEFAULT_MAX_BATCH = ${DEFAULT_MAX_BATCH};`);
  w.block('const INPUTS = [', () => program.inputs.forEach((input, index) => {
    const batched = input.size.perSample !== 0;
    const sample = batched ? input.size.perSample : input.size.fixed;
    w.line(`{ name: ${stringLiteral(input.name)}, sample: ${sample}, batched: ${batched}, dtype: ${stringLiteral(input.dtype)}, offset: ${extentLiteral(layout.inputs[index] ?? input.size)} },`);
  }), '];');
  // Ids checked on the host before upload: [input index, name as shown, strides, table size].
  const checks = hostIdChecks(program).map((c) => `[${c.input}, ${stringLiteral(formatValueName(c.idsName))}, [${c.strides.join(', ')}], ${c.size}]`);
  w.line(`const ID_CHECKS = [${checks.join(', ')}];`);
  w.block('const OUTPUTS = [', () => program.outputs.forEach((output, index) => {
    w.line(`{ name: ${stringLiteral(output.name)}, size: ${extentLiteral(output.size)}, offset: ${extentLiteral(layout.outputs[index] ?? output.size)} },`);
  }), '];');
  w.line('// Per kernel: workgroups along x and y, ceil((perSample * batch + fixed) / per), and the');
  w.line('// window of weights it binds: [chunk, offset, size] in f32 elements, or null.');
  w.block('const DISPATCH = [', () => shaders.forEach((shader, index) => {
    const kernel = program.kernels[index];
    const axes = `${axisLiteral(shader.dispatch[0])}, ${axisLiteral(shader.dispatch[1])}`;
    w.line(`[${axes}, ${windowLiteral(shader)}], // ${kernel?.op ?? ''} ${commentText(kernel?.label ?? '')}`);
  }), '];');
  w.block('const SHADERS = [', () => shaders.forEach((shader) => w.line(`${stringLiteral(shader.code)},`)), '];');
  w.line('// Kernel index → the same kernel using an optional device feature, picked at load.');
  variantTable(w, 'SUBGROUP_SHADERS', shaders.map((shader) => shader.variants?.subgroups));
  variantTable(w, 'F16_SHADERS', shaders.map((shader) => (options.f16 ? shader.variants?.f16 : undefined)));
  w.line();
  w.all(DECODE_WEIGHTS.split('\n')).line();
  w.all(widenWeightsSource(options.dtype).split('\n')).line();
  w.all(FEED_CHECK.split('\n')).line();
  w.all(WGSL_LOAD.split('\n')).line();
  w.all(WGSL_FEEDS.split('\n')).line();
  w.all(STREAM_PLAN.split('\n')).line();
  if (options.weights === 'external') w.all(FETCH_WEIGHTS.split('\n')).line();
  w.all((options.weights === 'embed' ? EMBEDDED_WEIGHTS : EXTERNAL_WEIGHTS).split('\n')).line();
  w.all(WGSL_DEVICE.split('\n')).line();
  w.all(WGSL_RUNTIME.split('\n'));
  return { module: w.toString(), weights: storeWeights(bytes, options.dtype) };
}
