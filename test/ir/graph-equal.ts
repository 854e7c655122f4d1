// Exact graph comparison for tests: structure, names, types, attributes and constant data
// bit for bit (NaN payloads and -0 included), attribute order too. Returns where two graphs
// first differ, so a failing round trip says which node and field.

import type { Graph } from '../../ir/graph.ts';

function differ(a: unknown, b: unknown, path: string): string | undefined {
  if (a instanceof Float32Array || b instanceof Float32Array) {
    if (!(a instanceof Float32Array && b instanceof Float32Array)) return `${path}: one side is not a Float32Array`;
    if (a.length !== b.length) return `${path}: ${a.length} vs ${b.length} values`;
    const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
    const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
    const at = x.findIndex((bits, i) => bits !== y[i]);
    return at < 0 ? undefined : `${path}[${at}]: bits ${x[at]?.toString(16)} vs ${y[at]?.toString(16)}`;
  }
  if (typeof a === 'number' || typeof b === 'number') return Object.is(a, b) ? undefined : `${path}: ${String(a)} vs ${String(b)}`;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return a === b ? undefined : `${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return `${path}: array vs non-array`;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.join('\u0000') !== keysB.join('\u0000')) return `${path}: keys [${keysA.join(', ')}] vs [${keysB.join(', ')}]`;
  for (const key of keysA) {
    const found = differ((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Where `a` and `b` first differ (e.g. "nodes.3.attrs.value.data[5]: bits …"), or undefined. */
export function graphDifference(a: Graph, b: Graph): string | undefined {
  return differ(a, b, 'graph');
}
