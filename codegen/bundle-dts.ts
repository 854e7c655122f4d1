// The .d.ts every bundle ships, whatever its target: feeds and results typed by name (a typo
// in an input name or a missing input is a type error), the metadata, and `load()` with the
// target's own options and session members. Names appear only as escaped string keys.

import type { LoweredProgram, LoweredTensor, SizeForm } from './kernels.ts';
import { commentText, stringLiteral } from './namer.ts';
import { CodeWriter } from './writer.ts';

/** What a target adds to the shared declarations; each entry is a doc comment + a member. */
export interface BundleDtsSpec {
  /** 'JS', 'WGSL', 'wasm': named in the header comment. */
  readonly target: string;
  /** Module-level declarations after the metadata (the JS bundle's synchronous `run`). */
  readonly declarations?: readonly string[];
  /** LoadOptions members besides the external-weights pair. */
  readonly loadOptions?: readonly string[];
  /** Session members besides `run(feeds): Promise<Results>` and `dispose()`. */
  readonly sessionMembers?: readonly string[];
  /** Whether `run` takes the `dims` argument (targets with several symbols). */
  readonly dims?: boolean;
}

function tensorInfo(tensor: LoweredTensor<SizeForm>): string {
  const shape = tensor.shape.map((dim) => (typeof dim === 'number' ? String(dim) : stringLiteral(dim))).join(', ');
  return `{ readonly name: ${stringLiteral(tensor.name)}; readonly shape: readonly [${shape}] }`;
}

export function emitBundleDts(program: LoweredProgram<SizeForm>, spec: BundleDtsSpec): string {
  const w = new CodeWriter();
  w.line(`// Types of the fusegraph ${spec.target} bundle for graph ${commentText(program.name)}.`).line();
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
    w.line('/** The symbolic dims, bound at run time from the feeds (and `dims`). */');
    w.line(`readonly symbols: readonly [${program.symbols.map(stringLiteral).join(', ')}];`);
    w.line(`readonly inputs: readonly [${program.inputs.map(tensorInfo).join(', ')}];`);
    w.line(`readonly outputs: readonly [${program.outputs.map(tensorInfo).join(', ')}];`);
  }, '};');
  w.line();
  w.line('/** Values of symbolic dims the feed lengths cannot tell apart (`{ S: 64 }`). */');
  w.block('export interface Dims {', () => {
    for (const symbol of program.symbols) w.line(`readonly ${stringLiteral(symbol)}?: number;`);
  });
  w.line();
  if (spec.declarations !== undefined) w.all(spec.declarations).line();
  w.block('export interface LoadOptions {', () => {
    w.all(spec.loadOptions ?? []);
    w.line('/** External weights given directly (otherwise fetched next to the module). */');
    w.line('readonly weights?: ArrayBuffer | ArrayBufferView;');
    w.line('/** Where to fetch external weights from, relative to the module. */');
    w.line('readonly weightsUrl?: string | URL;');
  });
  w.line();
  w.block('export interface Session {', () => {
    w.line('/** The symbols are inferred from the feed lengths (and `dims`, where the lengths cannot tell them apart). */');
    w.line(spec.dims === true ? 'run(feeds: Feeds, dims?: Dims): Promise<Results>;' : 'run(feeds: Feeds): Promise<Results>;');
    w.all(spec.sessionMembers ?? []);
    w.line('/** Frees what load() allocated. */');
    w.line('dispose(): void;');
  });
  w.line();
  w.line('export declare function load(options?: LoadOptions): Promise<Session>;');
  return w.toString();
}
