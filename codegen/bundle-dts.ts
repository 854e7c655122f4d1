// The .d.ts every bundle ships, whatever its target: feeds and results typed by name (a typo
// in an input name or a missing input is a type error), the metadata, and `load()` with the
// target's own options and session members. Names appear only as escaped string keys.

import type { DType } from '../ir/types.ts';
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
  /** Session members besides `run(feeds): Promise<Results>`, `stream()` and `dispose()`. */
  readonly sessionMembers?: readonly string[];
  /** The `run` member (doc comment lines + signature) instead of the shared one (WGSL: GPUBuffers). */
  readonly run?: readonly string[];
  /** Whether `run` takes the `dims` argument (targets with several symbols). */
  readonly dims?: boolean;
  /** What a stream's push() returns: 'Results' (JS, wasm: synchronous) or 'Promise<Results>' (WGSL). */
  readonly pushResult?: 'Results' | 'Promise<Results>';
}

/** The stream types: state maps output names to input names, push() takes the other inputs. */
function streamDeclarations(w: CodeWriter, spec: BundleDtsSpec): void {
  w.line('/** Output name → the input it feeds on the next chunk (same shape). */');
  w.line('export type StateMap = { readonly [O in keyof Results]?: keyof Feeds };');
  w.line('/** The inputs a stream\'s state feeds. */');
  w.line('export type StateInputs<S extends StateMap> = Extract<S[keyof S], keyof Feeds>;');
  w.line();
  w.block('export interface StreamOptions<S extends StateMap> {', () => {
    w.line('/** e.g. { hn: "h", cn: "c" }: each chunk\'s `hn` output is the next chunk\'s `h` input. */');
    w.line('readonly state: S;');
    w.line('/** Samples per chunk (default 1); every chunk must hold this many. */');
    w.line('readonly batch?: number;');
    w.line('/** The state before the first chunk and after reset() (default: zeros). */');
    w.line('readonly initial?: { readonly [I in StateInputs<S>]?: Float32Array };');
    if (spec.dims === true) w.line('/** Values of symbols the chunks\' lengths cannot tell apart, for every chunk (`{ S: 64 }`). */');
    if (spec.dims === true) w.line('readonly dims?: Dims;');
  });
  w.line();
  w.block('export interface Stream<S extends StateMap> {', () => {
    w.line('/**');
    w.line(' * Runs one chunk: the inputs other than the state, which stays in the bundle\'s memory.');
    w.line(' * Returns every output, the state outputs included (in the JS bundle those arrays are the next');
    w.line(' * chunk\'s state: treat them as read-only). Nothing else is allocated per chunk.');
    w.line(' */');
    w.line(`push(chunk: Omit<Feeds, StateInputs<S>>): ${spec.pushResult ?? 'Results'};`);
    w.line('/** Restores the initial state. Needed after run() or another stream used the session. */');
    w.line('reset(): void;');
  });
  w.line();
}

function tensorInfo(tensor: LoweredTensor<SizeForm>): string {
  const shape = tensor.shape.map((dim) => (typeof dim === 'number' ? String(dim) : stringLiteral(dim))).join(', ');
  return `{ readonly name: ${stringLiteral(tensor.name)}; readonly shape: readonly [${shape}]; readonly dtype: ${stringLiteral(tensor.dtype)} }`;
}

/** The typed array a feed of each element type takes (runtime.ts's lanesOf checks it). */
const FEED_ARRAY: Readonly<Record<DType, string>> = {
  f32: 'Float32Array',
  i32: 'Int32Array | BigInt64Array',
  bool: 'Uint8Array',
};

export function emitBundleDts(program: LoweredProgram<SizeForm>, spec: BundleDtsSpec): string {
  const w = new CodeWriter();
  w.line(`// Types of the fusegraph ${spec.target} bundle for graph ${commentText(program.name)}.`).line();
  w.block('export interface Feeds {', () => {
    for (const input of program.inputs) {
      if (input.dtype !== 'f32') w.line(`/** ${input.dtype}${input.dtype === 'i32' ? ': integers within ±2^24' : ': 0 or 1'}. */`);
      w.line(`readonly ${stringLiteral(input.name)}: ${FEED_ARRAY[input.dtype]};`);
    }
  });
  w.line();
  w.block('export interface Results {', () => {
    // Every result is a Float32Array; i32 and bool results hold exact integers / 0 and 1.
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
  streamDeclarations(w, spec);
  w.block('export interface LoadOptions {', () => {
    w.all(spec.loadOptions ?? []);
    w.line('/** External weights given directly (otherwise fetched next to the module). */');
    w.line('readonly weights?: ArrayBuffer | ArrayBufferView;');
    w.line('/** Where to fetch external weights from, relative to the module. */');
    w.line('readonly weightsUrl?: string | URL;');
  });
  w.line();
  w.block('export interface Session {', () => {
    if (spec.run !== undefined) w.all(spec.run);
    else {
      w.line('/** The symbols are inferred from the feed lengths (and `dims`, where the lengths cannot tell them apart). */');
      w.line(spec.dims === true ? 'run(feeds: Feeds, dims?: Dims): Promise<Results>;' : 'run(feeds: Feeds): Promise<Results>;');
    }
    w.all(spec.sessionMembers ?? []);
    w.line('/** Runs the model chunk after chunk, feeding state outputs back as inputs without a round trip. */');
    w.line('stream<S extends StateMap>(options: StreamOptions<S>): Stream<S>;');
    w.line('/** Frees what load() allocated. */');
    w.line('dispose(): void;');
  });
  w.line();
  w.line('export declare function load(options?: LoadOptions): Promise<Session>;');
  return w.toString();
}
