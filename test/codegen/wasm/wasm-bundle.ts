// Test helper: emits a wasm bundle for a graph, imports it as a real ES module (the way
// users load it), checks that every embedded module passes WebAssembly.validate, and
// compares its output with the reference interpreter within src/tolerance.ts.

import { emitWasm, type WasmEmitOptions } from '../../../codegen/wasm/target.ts';
import type { Graph } from '../../../ir/graph.ts';
import { interpret } from '../../../ir/interpret.ts';
import type { MemoryPlan } from '../../../ir/memory-plan.ts';
import { printGraph } from '../../../ir/print.ts';
import { compareArrays, toleranceFor } from '../../../src/tolerance.ts';
import { importBundle, type BundleFiles } from '../js/load-bundle.ts';

export interface WasmSession {
  readonly relaxedSimd: boolean;
  runSync(feeds: Record<string, Float32Array>): Record<string, Float32Array>;
  run(feeds: Record<string, Float32Array>): Promise<Record<string, Float32Array>>;
  dispose(): void;
}

interface WasmBundleModule {
  readonly metadata: { readonly name: string };
  load(options?: object): Promise<WasmSession>;
}

/** The base64 module strings of a bundle's source, decoded. */
export function embeddedModules(source: string): Uint8Array<ArrayBuffer>[] {
  const found = [...source.matchAll(/^const (?:SIMD|RELAXED)_MODULE_BASE64 = "([^"]*)";$/gm)];
  return found.map((match) => new Uint8Array(Buffer.from(match[1] ?? '', 'base64')));
}

export async function loadWasmBundle(bundle: BundleFiles, options: object = {}): Promise<WasmSession> {
  const module = (await importBundle(bundle)) as unknown as WasmBundleModule;
  return module.load(options);
}

export function bundleFor(graph: Graph, plan: MemoryPlan, options: WasmEmitOptions = {}): BundleFiles {
  const bundle = emitWasm(graph, plan, options);
  const entry = bundle.files.find((file) => file.name === bundle.entry);
  if (typeof entry?.contents !== 'string') throw new Error('the bundle has no entry module');
  const modules = embeddedModules(entry.contents);
  if (modules.length !== (options.relaxed === true ? 2 : 1)) throw new Error(`expected embedded modules, found ${modules.length}`);
  modules.forEach((bytes, index) => {
    // The relaxed module validates only where the engine has relaxed SIMD.
    const relaxedUnsupported = index === 1 && !relaxedSimdSupported();
    if (!relaxedUnsupported && !WebAssembly.validate(bytes)) throw new Error(`embedded module ${index} does not validate`);
  });
  return bundle;
}

let relaxedSupport: boolean | undefined;

/** Whether this engine validates f32x4.relaxed_madd (Node 20 needs --experimental-wasm-relaxed-simd). */
export function relaxedSimdSupported(): boolean {
  relaxedSupport ??= WebAssembly.validate(new Uint8Array([
    0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 8, 1, 0x60, 3, 0x7b, 0x7b, 0x7b, 1, 0x7b, 3, 2, 1, 0,
    10, 13, 1, 11, 0, 0x20, 0, 0x20, 1, 0x20, 2, 0xfd, 0x85, 0x02, 0x0b,
  ]));
  return relaxedSupport;
}

/** Throws with the graph's IR when an output is outside the tolerance. */
export function expectAgrees(graph: Graph, feeds: Record<string, Float32Array>, actual: Record<string, Float32Array>): void {
  const expected = interpret(graph, feeds);
  const tolerance = toleranceFor(graph);
  for (const name of graph.outputs) {
    const comparison = compareArrays(expected[name] ?? new Float32Array(), actual[name] ?? new Float32Array(), tolerance);
    if (!comparison.ok) {
      throw new Error(`output ${JSON.stringify(name)} differs: ${JSON.stringify(comparison.mismatch)}\n${printGraph(graph, { weights: 'full' })}`);
    }
  }
}
