// The .d.ts of a WGSL bundle: the same Feeds, Results and metadata as the JS bundle, and a
// `load` that takes a GPU device and the largest batch to prepare for.

import type { LoweredProgram, LoweredTensor } from '../kernels.ts';
import { commentText, stringLiteral } from '../namer.ts';
import { CodeWriter } from '../writer.ts';

function shapeType(tensor: LoweredTensor): string {
  return `readonly [${tensor.shape.map((dim) => (typeof dim === 'number' ? String(dim) : stringLiteral(dim))).join(', ')}]`;
}

function tensorInfo(tensor: LoweredTensor): string {
  return `{ readonly name: ${stringLiteral(tensor.name)}; readonly shape: ${shapeType(tensor)} }`;
}

export function emitWgslDts(program: LoweredProgram): string {
  const w = new CodeWriter();
  w.line(`// Types of the fusegraph WGSL bundle for graph ${commentText(program.name)}.`).line();
  w.block('export interface Feeds {', () => {
    for (const input of program.inputs) w.line(`readonly ${stringLiteral(input.name)}: Float32Array;`);
  });
  w.line();
  w.block('export interface Results {', () => {
    for (const output of program.outputs) w.line(`${stringLiteral(output.name)}: Float32Array;`);
  });
  w.line();
  w.block('export declare const metadata: {', () => {
    w.line(`readonly name: ${stringLiteral(program.name)};`);
    w.line(`readonly inputs: readonly [${program.inputs.map(tensorInfo).join(', ')}];`);
    w.line(`readonly outputs: readonly [${program.outputs.map(tensorInfo).join(', ')}];`);
  }, '};');
  w.line();
  w.block('export interface LoadOptions {', () => {
    w.line('/** A WebGPU GPUDevice; when absent one is requested from navigator.gpu (and destroyed by dispose). */');
    w.line('readonly device?: object;');
    w.line('/** The largest batch run() will accept; buffers are sized for it once (default 1024, capped by the limits). */');
    w.line('readonly maxBatch?: number;');
    w.line('/** External weights given directly (otherwise fetched next to the module). */');
    w.line('readonly weights?: ArrayBuffer | ArrayBufferView;');
    w.line('/** Where to fetch external weights from, relative to the module. */');
    w.line('readonly weightsUrl?: string | URL;');
  });
  w.line();
  w.block('export interface Session {', () => {
    w.line('/** Runs on the GPU; the batch is inferred from the feed lengths. */');
    w.line('run(feeds: Feeds): Promise<Results>;');
    w.line('/** Frees the buffers (after any run in flight). */');
    w.line('dispose(): void;');
  });
  w.line();
  w.line('export declare function load(options?: LoadOptions): Promise<Session>;');
  return w.toString();
}
