// The .d.ts of a wasm bundle: the same Feeds, Results, metadata and load() as the JS
// bundle's, and a Session that also offers `runSync` (synchronous once loaded).

import type { LoweredProgram, LoweredTensor } from '../kernels.ts';
import { commentText, stringLiteral } from '../namer.ts';
import { CodeWriter } from '../writer.ts';

function tensorInfo(tensor: LoweredTensor): string {
  const shape = tensor.shape.map((dim) => (typeof dim === 'number' ? String(dim) : stringLiteral(dim))).join(', ');
  return `{ readonly name: ${stringLiteral(tensor.name)}; readonly shape: readonly [${shape}] }`;
}

export function emitWasmDts(program: LoweredProgram): string {
  const w = new CodeWriter();
  w.line(`// Types of the fusegraph wasm bundle for graph ${commentText(program.name)}.`).line();
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
    w.line('/** External weights given directly (otherwise fetched next to the module). */');
    w.line('readonly weights?: ArrayBuffer | ArrayBufferView;');
    w.line('/** Where to fetch external weights from, relative to the module. */');
    w.line('readonly weightsUrl?: string | URL;');
    w.line('/** false: use the plain SIMD128 module even where relaxed SIMD validates. */');
    w.line('readonly relaxedSimd?: boolean;');
  });
  w.line();
  w.block('export interface Session {', () => {
    w.line('run(feeds: Feeds): Promise<Results>;');
    w.line('/** The same computation, synchronous (the module is instantiated by load()). */');
    w.line('runSync(feeds: Feeds): Results;');
    w.line('/** Whether the relaxed-SIMD module was chosen. */');
    w.line('readonly relaxedSimd: boolean;');
    w.line('dispose(): void;');
  });
  w.line();
  w.line('export declare function load(options?: LoadOptions): Promise<Session>;');
  return w.toString();
}
