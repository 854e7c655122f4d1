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
// 4. Batched storages live in the per-sample region (offsets scale with the batch), static
//    ones in the fixed region after it, so the plan is affine in the batch.

import type { Graph, Node } from '../../ir/graph.ts';
import type { AffineSize, ArenaSlot, MemoryPlan } from '../../ir/memory-plan.ts';
import { OPS } from '../../ir/ops/index.ts';
import { sameShape, staticSize, symbolOf, type TensorType } from '../../ir/types.ts';
import { ArenaAllocator } from './arena-allocator.ts';

interface Storage {
  readonly batched: boolean;
  /** Elements per sample (batched) or in total (static). */
  readonly size: number;
  end: number;
  offset: number;
  /** Aliases a graph input or constant in some backends: never overwrite in place. */
  readonly readOnly: boolean;
}

function sizeOfType(type: TensorType): { batched: boolean; size: number } {
  return { batched: symbolOf(type.shape) !== undefined, size: staticSize(type.shape) };
}

function affine(batched: boolean, size: number): AffineSize {
  return batched ? { perSample: size, fixed: 0 } : { perSample: 0, fixed: size };
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
  const perSample = new ArenaAllocator();
  const fixed = new ArenaAllocator();
  const endingAt = new Map<number, Storage[]>();
  const live = { perSample: 0, fixed: 0 };
  const peak = { perSample: 0, fixed: 0 };

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
      const { batched, size } = sizeOfType(node.type);
      const region = batched ? perSample : fixed;
      const readOnly = def.view === true;
      const storage: Storage = { batched, size, end, offset: region.allocate(size), readOnly };
      storageOf.set(node.name, storage);
      live[batched ? 'perSample' : 'fixed'] += size;
      peak.perSample = Math.max(peak.perSample, live.perSample);
      peak.fixed = Math.max(peak.fixed, live.fixed);
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
    (storage.batched ? perSample : fixed).release(storage.offset, storage.size);
    live[storage.batched ? 'perSample' : 'fixed'] -= storage.size;
    storage.end = -1;
  }

  const slots = new Map<string, ArenaSlot>();
  for (const [name, storage] of storageOf) {
    const type = types.get(name);
    if (type === undefined) continue;
    const own = sizeOfType(type);
    const offset = storage.batched ? affine(true, storage.offset) : { perSample: perSample.size, fixed: storage.offset };
    const via = inPlaceOf.get(name);
    slots.set(name, via === undefined ? { offset, size: affine(own.batched, own.size) } : { offset, size: affine(own.batched, own.size), inPlaceOf: via });
  }
  return { slots, arenaSize: { perSample: perSample.size, fixed: fixed.size }, peak: { ...peak } };
}
