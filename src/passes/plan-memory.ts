// Memory planning: liveness over the final graph assigns every intermediate value (a node
// that is neither a `const` nor a graph output) a slot of one arena (ir/memory-plan.ts).
//
// 1. Each value's last use is the index of the last node reading it.
// 2. Values are grouped into storages. A view op (reshape, flatten: asked of the op table)
//    of a slotted value shares its operand's storage. An elementwise node whose operand's
//    storage dies at this node, with the same shape as the result, overwrites it in place
//    (operands read at index i are written at index i). Views of graph inputs or constants
//    get their own storage, which is never overwritten in place (backends may alias them).
// 3. A storage lives from its first definition to the last use of any value in it.
//    Walking the nodes in order, a storage is allocated (best fit) when first defined, after
//    which the storages whose life ends at this node are released, so a result never
//    shares memory with an operand it is computed from unless it is in place of it.
// 4. A tensor's size is one monomial in the symbols (c·N·S). Storages of the same monomial
//    share a region whose offsets are multiples of it; regions follow one another (symbolic
//    ones first, the static one last), so sizes and offsets are polynomials in the symbols.
//    With one batch symbol this is the per-sample region followed by the fixed one.

import type { Graph, Node } from '../../ir/graph.ts';
import type { ArenaSlot, MemoryPlan, PlanSize } from '../../ir/memory-plan.ts';
import { OPS } from '../../ir/ops/index.ts';
import { addSizes, mulSizes, monomialKey, constSize, shapeSize, type SymSize } from '../../ir/sym-size.ts';
import { isSymbolic, sameShape, staticSize, type TensorType } from '../../ir/types.ts';
import { ArenaAllocator } from './arena-allocator.ts';

interface Storage {
  /** The region: the monomial's key (`N*S`, '' for static). */
  readonly region: string;
  /** Elements per unit of the monomial. */
  readonly size: number;
  end: number;
  offset: number;
  /** Aliases a graph input or constant in some backends: never overwrite in place. */
  readonly readOnly: boolean;
}

interface Region {
  readonly symbols: readonly string[];
  readonly allocator: ArenaAllocator;
  live: number;
  peak: number;
}

function sizeOfType(type: TensorType): { region: string; symbols: string[]; size: number } {
  // One monomial (a dim `4*N` counts 4 times N): its symbols name the region.
  const [term] = shapeSize(type.shape);
  const symbols = [...(term?.symbols ?? [])];
  return { region: monomialKey(symbols), symbols, size: term?.coeff ?? 0 };
}

function monomial(symbols: readonly string[], coeff: number): SymSize {
  return coeff === 0 ? [] : [{ coeff, symbols }];
}

function lastUses(graph: Graph): Map<string, number> {
  const last = new Map<string, number>();
  graph.nodes.forEach((node, index) => {
    for (const input of node.inputs) last.set(input, index);
  });
  return last;
}

/** The operand this node may overwrite in place, if any. */
function inPlaceOperand(node: Node, index: number, storageOf: ReadonlyMap<string, Storage>, types: ReadonlyMap<string, TensorType>): string | undefined {
  if (OPS[node.op].kind !== 'elementwise') return undefined;
  for (const input of node.inputs) {
    const storage = storageOf.get(input);
    const type = types.get(input);
    if (storage === undefined || type === undefined || storage.readOnly || storage.end !== index) continue;
    if (!sameShape(type.shape, node.type.shape)) continue;
    // Another operand in the same storage must be read at the same index as it is written.
    const safe = node.inputs.every((other) => storageOf.get(other) !== storage || sameShape(types.get(other)?.shape ?? [], node.type.shape));
    if (safe) return input;
  }
  return undefined;
}

export function planMemory(graph: Graph): MemoryPlan {
  const outputs = new Set(graph.outputs);
  const last = lastUses(graph);
  const types = new Map<string, TensorType>(graph.nodes.map((node) => [node.name, node.type]));
  const storageOf = new Map<string, Storage>();
  const inPlaceOf = new Map<string, string>();
  const regions = new Map<string, Region>();
  const regionOf = (key: string, symbols: readonly string[]): Region => {
    const known = regions.get(key);
    if (known !== undefined) return known;
    const region: Region = { symbols, allocator: new ArenaAllocator(), live: 0, peak: 0 };
    regions.set(key, region);
    return region;
  };
  const endingAt = new Map<number, Storage[]>();

  graph.nodes.forEach((node, index) => {
    if (node.op === 'const' || outputs.has(node.name)) return;
    const end = Math.max(index, last.get(node.name) ?? index);
    const def = OPS[node.op];
    const source = node.inputs[0];
    const shared = def.view === true && source !== undefined && storageOf.has(source) ? source : inPlaceOperand(node, index, storageOf, types);
    const existing = shared === undefined ? undefined : storageOf.get(shared);
    if (shared !== undefined && existing !== undefined) {
      inPlaceOf.set(node.name, shared);
      storageOf.set(node.name, existing);
      if (end > existing.end) existing.end = end;
    } else {
      const { region: key, symbols, size } = sizeOfType(node.type);
      const region = regionOf(key, symbols);
      const readOnly = def.view === true;
      const storage: Storage = { region: key, size, end, offset: region.allocator.allocate(size), readOnly };
      storageOf.set(node.name, storage);
      region.live += size;
      region.peak = Math.max(region.peak, region.live);
    }
    // Release what dies here. A storage's end only grows while it is still live, so the
    // bucket it sits in is checked against its current end.
    for (const storage of endingAt.get(index) ?? []) release(storage, index);
    endingAt.delete(index);
    const own = storageOf.get(node.name);
    if (own !== undefined && own.end === index) release(own, index);
    else if (own !== undefined) pushEnding(own);
  });

  function pushEnding(storage: Storage): void {
    const bucket = endingAt.get(storage.end) ?? [];
    if (!bucket.includes(storage)) bucket.push(storage);
    endingAt.set(storage.end, bucket);
  }

  function release(storage: Storage, index: number): void {
    if (storage.end !== index) {
      pushEnding(storage);
      return;
    }
    const region = regions.get(storage.region);
    if (region === undefined) throw new Error('internal: storage without a region');
    region.allocator.release(storage.offset, storage.size);
    region.live -= storage.size;
    storage.end = -1;
  }

  // Region bases: symbolic regions in a stable order (by monomial), the static one last.
  const order = [...regions.keys()].sort((a, b) => (a === '' ? 1 : b === '' ? -1 : a < b ? -1 : a > b ? 1 : 0));
  const base = new Map<string, PlanSize>();
  let arenaSize: PlanSize = constSize(0);
  let peak: PlanSize = constSize(0);
  for (const key of order) {
    const region = regions.get(key);
    if (region === undefined) continue;
    base.set(key, arenaSize);
    arenaSize = addSizes(arenaSize, monomial(region.symbols, region.allocator.size));
    peak = addSizes(peak, monomial(region.symbols, region.peak));
  }
  const slots = new Map<string, ArenaSlot>();
  for (const [name, storage] of storageOf) {
    const type = types.get(name);
    if (type === undefined) continue;
    const own = sizeOfType(type);
    const symbols = regions.get(storage.region)?.symbols ?? [];
    const offset = addSizes(base.get(storage.region) ?? [], mulSizes(monomial(symbols, 1), constSize(storage.offset)));
    const size = monomial(own.symbols, own.size);
    const via = inPlaceOf.get(name);
    slots.set(name, via === undefined ? { offset, size } : { offset, size, inPlaceOf: via });
  }
  return { slots, arenaSize, peak };
}
