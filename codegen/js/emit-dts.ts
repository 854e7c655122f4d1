// The .d.ts of a JS bundle: feeds and results typed by name, so a consumer's typo in an
// input name or a missing input is a type error. Names appear only as escaped string keys.

import type { LoweredProgram, LoweredTensor } from '../kernels.ts';
import { commentText, stringLiteral } from '../namer.ts';
import { CodeWriter } from '../writer.ts';

function shapeType(tensor: LoweredTensor): string {
  return `readonly [${tensor.shape.map((dim) => (typeof dim === 'number' ? String(dim) : stringLiteral(dim))).join(', ')}]`;
}

function tensorInfo(tensor: LoweredTensor): string {
  return `{ readonly name: ${stringLiteral(tensor.name)}; readonly shape: ${shapeType(tensor)} }`;
}

export function emitJsDts(program: LoweredProgram): string {
  const w = new CodeWriter();
  w.line(`// Types of the fusegraph bundle for graph ${commentText(program.name)}.`).line();
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
  w.line('/** Runs the model synchronously; the batch is inferred from the feed lengths. */');
  w.line('export declare function run(feeds: Feeds): Results;').line();
  w.block('export interface LoadOptions {', () => {
    w.line('/** External weights given directly (otherwise fetched next to the module). */');
    w.line('readonly weights?: ArrayBuffer | ArrayBufferView;');
    w.line('/** Where to fetch external weights from, relative to the module. */');
    w.line('readonly weightsUrl?: string | URL;');
  });
  w.line();
  w.block('export interface Session {', () => {
    w.line('run(feeds: Feeds): Promise<Results>;');
    w.line('dispose(): void;');
  });
  w.line();
  w.line('export declare function load(options?: LoadOptions): Promise<Session>;');
  return w.toString();
}
