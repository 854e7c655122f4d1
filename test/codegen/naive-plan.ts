// A memory plan without reuse (every intermediate in its own slot), so codegen tests do not
// depend on the plan-memory pass; the real planner is exercised through optimize().

import type { Graph } from '../../ir/graph.ts';
import type { ArenaSlot, MemoryPlan, PlanSize } from '../../ir/memory-plan.ts';
import { addSizes, shapeSize } from '../../ir/sym-size.ts';

export function naivePlan(graph: Graph): MemoryPlan {
  const outputs = new Set(graph.outputs);
  const values = graph.nodes.filter((node) => node.op !== 'const' && !outputs.has(node.name));
  const slots = new Map<string, ArenaSlot>();
  let end: PlanSize = [];
  for (const node of values) {
    const size = shapeSize(node.type.shape);
    slots.set(node.name, { offset: end, size });
    end = addSizes(end, size);
  }
  return { slots, arenaSize: end, peak: end };
}
