// Assembles a whole WebAssembly module: function types, functions, one exported linear
// memory (its own, or imported as env.memory) and exports, written as the binary format's
// sections; plus a WAT-like listing of the same module for reading
// (`fusegraph compile --target wasm --emit-wat`). An imported memory is written unshared; its
// limits byte (`memoryFlagsOffset`) is the one byte a threaded load sets to `shared`, so one
// module serves both a plain memory and a shared one that worker threads instantiate it on.

import { FunctionAssembler, VAL_TYPE_CODE, type ValType } from './function-assembler.ts';
import { encodeName, encodeU32, encodeVector } from './leb128.ts';

interface FunctionEntry {
  readonly name: string;
  readonly params: readonly { name: string; type: ValType }[];
  readonly results: readonly ValType[];
  readonly exported: boolean;
  body: FunctionAssembler | undefined;
}

/** A declared function: its index (for `call`) and its name. */
export interface FunctionRef {
  readonly index: number;
  readonly name: string;
}

const SECTION = { type: 1, import: 2, function: 3, memory: 5, export: 7, code: 10 } as const;
const PAGE_BYTES = 65536;
/** The memory's maximum: all of wasm32's 4 GiB (a shared memory must declare one). */
export const MAX_PAGES = 65536;
/** Limits flags: a maximum is given; with it, shared. */
export const MEMORY_LIMITS = { unshared: 0x01, shared: 0x03 } as const;

export class ModuleAssembler {
  readonly #functions: FunctionEntry[] = [];

  #flagsOffset: number | undefined;

  /** `memory`: whether the module defines its memory or imports it (bundles, for threads). */
  constructor(readonly memoryBytes: number, readonly memory: 'own' | 'import' = 'own') {}

  /** Initial pages of the memory the module imports. */
  get pages(): number {
    return Math.max(1, Math.ceil(this.memoryBytes / PAGE_BYTES));
  }

  /** The byte of `bytes()` holding the memory import's limits flags (MEMORY_LIMITS). */
  memoryFlagsOffset(): number {
    if (this.#flagsOffset === undefined) this.bytes();
    if (this.#flagsOffset === undefined) throw new Error('internal: no memory import written');
    return this.#flagsOffset;
  }

  /** Declares a function (so others can call it before its body is written). */
  declare(name: string, params: readonly { name: string; type: ValType }[], results: readonly ValType[], exported = false): FunctionRef {
    this.#functions.push({ name, params, results, exported, body: undefined });
    return { index: this.#functions.length - 1, name };
  }

  /** Writes the body of a declared function with `build`. */
  define(ref: FunctionRef, build: (asm: FunctionAssembler) => void): void {
    const entry = this.#functions[ref.index];
    if (entry === undefined) throw new Error(`internal: no function ${ref.name}`);
    const asm = new FunctionAssembler(entry.params);
    build(asm);
    entry.body = asm;
  }

  #bodies(): { entry: FunctionEntry; body: FunctionAssembler }[] {
    return this.#functions.map((entry) => {
      if (entry.body === undefined) throw new Error(`internal: function ${entry.name} has no body`);
      return { entry, body: entry.body };
    });
  }

  /** The module's bytes. */
  bytes(): Uint8Array<ArrayBuffer> {
    const functions = this.#bodies();
    const signatures: string[] = [];
    const typeIndex = functions.map(({ entry }) => {
      const key = `${entry.params.map((p) => p.type).join(',')}->${entry.results.join(',')}`;
      if (!signatures.includes(key)) signatures.push(key);
      return signatures.indexOf(key);
    });
    const types = signatures.map((key) => {
      const [params = '', results = ''] = key.split('->');
      const codes = (list: string) => (list === '' ? [] : list.split(',').map((t) => VAL_TYPE_CODE[t as ValType]));
      return [0x60, ...encodeVector(codes(params).map((c) => [c])), ...encodeVector(codes(results).map((c) => [c]))];
    });
    const pages = this.pages;
    const exports = [
      [...encodeName('memory'), 0x02, 0],
      ...functions.flatMap(({ entry }, index) => (entry.exported ? [[...encodeName(entry.name), 0x00, ...encodeU32(index)]] : [])),
    ];
    const code = functions.map(({ body }) => {
      const bytes = body.bodyBytes();
      return [...encodeU32(bytes.length), ...bytes];
    });
    const head = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...section(SECTION.type, encodeVector(types))];
    const importEntry = [...encodeName('env'), ...encodeName('memory'), 0x02];
    const imports = this.memory === 'import'
      ? section(SECTION.import, encodeVector([[...importEntry, MEMORY_LIMITS.unshared, ...encodeU32(pages), ...encodeU32(MAX_PAGES)]]))
      : [];
    // The import section ends with the limits: flags, initial pages, maximum pages.
    if (this.memory === 'import') this.#flagsOffset = head.length + imports.length - encodeU32(MAX_PAGES).length - encodeU32(pages).length - 1;
    const memories = this.memory === 'own' ? section(SECTION.memory, encodeVector([[0x00, ...encodeU32(pages)]])) : [];
    return new Uint8Array([
      ...head,
      ...imports,
      ...section(SECTION.function, encodeVector(typeIndex.map((i) => encodeU32(i)))),
      ...memories,
      ...section(SECTION.export, encodeVector(exports)),
      ...section(SECTION.code, encodeVector(code)),
    ]);
  }

  /** The module as WAT-like text (flat instruction syntax, one instruction per line). */
  listing(): string {
    const memory = this.memory === 'import'
      ? [`  (import "env" "memory" (memory ${this.pages} ${MAX_PAGES}))`, '  (export "memory" (memory 0))']
      : [`  (memory (export "memory") ${this.pages})`];
    const lines = ['(module', ...memory];
    for (const { entry, body } of this.#bodies()) {
      const params = entry.params.map((p) => ` (param $${p.name} ${p.type})`).join('');
      const results = entry.results.map((t) => ` (result ${t})`).join('');
      const exported = entry.exported ? ` (export "${entry.name}")` : '';
      lines.push(`  (func $${entry.name}${exported}${params}${results}`);
      for (const local of body.declaredLocals()) lines.push(`    (local $${local.name} ${local.type})`);
      for (const line of body.listing()) lines.push(`    ${line}`);
      lines.push('  )');
    }
    lines.push(')');
    return `${lines.join('\n')}\n`;
  }
}

function section(id: number, contents: readonly number[]): number[] {
  return [id, ...encodeU32(contents.length), ...contents];
}
