// A memory plan without reuse (every intermediate in its own slot), so codegen tests do not
// depend on the plan-memory pass; the real planner is exercised through optimize().

import type { Graph } from '../../ir/graph.ts';
import type { ArenaSlot, MemoryPlan } from '../../ir/memory-plan.ts';
import { staticSize, symbolOf } from '../../ir/types.ts';

export function naivePlan(graph: Graph): MemoryPlan {
  const outputs = new Set(graph.outputs);
  const values = graph.nodes.filter((node) => node.op !== 'const' && !outputs.has(node.name));
  const batched = values.filter((node) => symbolOf(node.type.shape) !== undefined);
  const fixed = values.filter((node) => symbolOf(node.type.shape) === undefined);
  const slots = new Map<string, ArenaSlot>();
  let perSample = 0;
  for (const node of batched) {
    const size = staticSize(node.type.shape);
    slots.set(node.name, { offset: { perSample, fixed: 0 }, size: { perSample: size, fixed: 0 } });
    perSample += size;
  }
  let fixedTotal = 0;
  for (const node of fixed) {
    const size = staticSize(node.type.shape);
    slots.set(node.name, { offset: { perSample, fixed: fixedTotal }, size: { perSample: 0, fixed: size } });
    fixedTotal += size;
  }
  const arenaSize = { perSample, fixed: fixedTotal };
  return { slots, arenaSize, peak: arenaSize };
}
