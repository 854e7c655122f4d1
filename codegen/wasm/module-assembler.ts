// Assembles a whole WebAssembly module: function types, functions, one exported linear
// memory and exports, written as the binary format's sections; plus a WAT-like listing
// of the same module for reading (`fusegraph compile --target wasm --emit-wat`).

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

const SECTION = { type: 1, function: 3, memory: 5, export: 7, code: 10 } as const;
const PAGE_BYTES = 65536;

export class ModuleAssembler {
  readonly #functions: FunctionEntry[] = [];

  constructor(readonly memoryBytes: number) {}

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
    const pages = Math.max(1, Math.ceil(this.memoryBytes / PAGE_BYTES));
    const exports = [
      [...encodeName('memory'), 0x02, 0],
      ...functions.flatMap(({ entry }, index) => (entry.exported ? [[...encodeName(entry.name), 0x00, ...encodeU32(index)]] : [])),
    ];
    const code = functions.map(({ body }) => {
      const bytes = body.bodyBytes();
      return [...encodeU32(bytes.length), ...bytes];
    });
    return new Uint8Array([
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
      ...section(SECTION.type, encodeVector(types)),
      ...section(SECTION.function, encodeVector(typeIndex.map((i) => encodeU32(i)))),
      ...section(SECTION.memory, encodeVector([[0x00, ...encodeU32(pages)]])),
      ...section(SECTION.export, encodeVector(exports)),
      ...section(SECTION.code, encodeVector(code)),
    ]);
  }

  /** The module as WAT-like text (flat instruction syntax, one instruction per line). */
  listing(): string {
    const pages = Math.max(1, Math.ceil(this.memoryBytes / PAGE_BYTES));
    const lines = ['(module', `  (memory (export "memory") ${pages})`];
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
