// Independent checks of a memory plan: slots exactly for the non-const, non-output values;
// slots inside the arena; no two values that are live at once share memory unless one is
// in place of the other; and a simulation that runs the graph out of a real arena.

import type { Graph } from '../../ir/graph.ts';
import { bindBatch, concreteShape, type DimValues, type Feeds, type Results } from '../../ir/interpret.ts';
import { evaluateSize, type MemoryPlan } from '../../ir/memory-plan.ts';
import { OPS, type Tensor } from '../../ir/ops/index.ts';
import { sizeOf } from '../../ir/types.ts';

interface Interval { readonly def: number; readonly end: number }

function intervals(graph: Graph): Map<string, Interval> {
  const result = new Map<string, Interval>();
  graph.nodes.forEach((node, index) => {
    result.set(node.name, { def: index, end: index });
    for (const input of node.inputs) {
      const own = result.get(input);
      if (own !== undefined) result.set(input, { def: own.def, end: index });
    }
  });
  return result;
}

/** The storage a value shares through its chain of inPlaceOf links. */
function rootOf(plan: MemoryPlan, name: string): string {
  let current = name;
  for (let via = plan.slots.get(current)?.inPlaceOf; via !== undefined; via = plan.slots.get(current)?.inPlaceOf) current = via;
  return current;
}

/** Problems with the plan at `batch`; empty when it is sound. */
export function planProblems(graph: Graph, plan: MemoryPlan, batch: number | ReadonlyMap<string, number>): string[] {
  const problems: string[] = [];
  const outputs = new Set(graph.outputs);
  const arena = evaluateSize(plan.arenaSize, batch);
  const live = intervals(graph);
  for (const node of graph.nodes) {
    const wanted = node.op !== 'const' && !outputs.has(node.name);
    if (wanted !== plan.slots.has(node.name)) problems.push(`${node.name}: slot ${wanted ? 'missing' : 'unexpected'}`);
  }
  const placed = [...plan.slots].map(([name, slot]) => ({
    name, slot, start: evaluateSize(slot.offset, batch), size: evaluateSize(slot.size, batch),
    live: live.get(name) ?? { def: -1, end: -1 }, root: rootOf(plan, name),
  }));
  for (const p of placed) {
    if (p.start < 0 || p.start + p.size > arena) problems.push(`${p.name}: [${p.start}, ${p.start + p.size}) outside the arena of ${arena}`);
    const via = p.slot.inPlaceOf;
    if (via !== undefined) {
      const node = graph.nodes[p.live.def];
      const operand = plan.slots.get(via);
      if (node === undefined || !node.inputs.includes(via)) problems.push(`${p.name}: in place of ${via}, which it does not read`);
      if (operand === undefined || evaluateSize(operand.offset, batch) !== p.start) problems.push(`${p.name}: not at ${via}'s offset`);
      // Overwriting (not a view): nothing else in the storage may be read after this node.
      if (node !== undefined && OPS[node.op].view !== true) {
        for (const other of placed) {
          if (other.root === p.root && other.name !== p.name && other.live.def < p.live.def && other.live.end > p.live.def) {
            problems.push(`${p.name} overwrites ${other.name} in place while it is still read`);
          }
        }
      }
    }
  }
  for (let i = 0; i < placed.length; i++) {
    for (let j = i + 1; j < placed.length; j++) {
      const a = placed[i];
      const b = placed[j];
      if (a === undefined || b === undefined || a.size === 0 || b.size === 0 || a.root === b.root) continue;
      const together = a.live.def <= b.live.end && b.live.def <= a.live.end;
      const overlap = a.start < b.start + b.size && b.start < a.start + a.size;
      if (together && overlap) problems.push(`${a.name} and ${b.name} are live together and overlap`);
    }
  }
  return problems;
}

/** Runs the graph with every slotted value stored in (and read back from) one arena. */
export function runFromArena(graph: Graph, plan: MemoryPlan, feeds: Feeds, dims: DimValues = {}): Results {
  const batches = bindBatch(graph, feeds, dims);
  const batch = batches;
  const arena = new Float32Array(evaluateSize(plan.arenaSize, batch));
  const held = new Map<string, Tensor>();
  for (const input of graph.inputs) held.set(input.name, { shape: concreteShape(input.type.shape, batches), data: feeds[input.name] ?? new Float32Array() });
  const read = (name: string): Tensor => {
    const slot = plan.slots.get(name);
    const tensor = held.get(name);
    if (tensor === undefined) throw new Error(`${name} read before it is written`);
    if (slot === undefined) return tensor;
    const start = evaluateSize(slot.offset, batch);
    return { shape: tensor.shape, data: arena.slice(start, start + sizeOf(tensor.shape)) };
  };
  const results: Results = {};
  for (const node of graph.nodes) {
    const shape = concreteShape(node.type.shape, batches);
    const data = OPS[node.op].evaluate(node.inputs.map(read), node.attrs, shape);
    const slot = plan.slots.get(node.name);
    if (slot !== undefined) arena.set(data, evaluateSize(slot.offset, batch));
    held.set(node.name, { shape, data: slot === undefined ? data : new Float32Array() });
  }
  for (const name of graph.outputs) {
    // defineProperty, not assignment: an output may be called "__proto__".
    Object.defineProperty(results, name, { value: read(name).data, enumerable: true, writable: true, configurable: true });
  }
  return results;
}
