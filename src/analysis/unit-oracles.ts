// The two sources of per-unit value ranges that dead-unit pruning accepts: interval bounds
// over an input box (a proof: every input in the box) and the min and max over a data set
// (an observation: only those samples).

import type { Graph } from '../../ir/graph.ts';
import { interpretValues } from '../../ir/interpret.ts';
import type { UnitOracle, UnitRanges, UnitValue } from '../passes/prune-dead-units.ts';
import { activationSites } from './activation-sites.ts';
import { unitRange } from './inspect.ts';
import { propagateBounds, type InputBox } from './propagate-bounds.ts';

export function provedOracle(box: InputBox, description: string): UnitOracle {
  return {
    mode: 'proved',
    why: `constant over the input box: ${description}`,
    ranges(graph: Graph, values: readonly UnitValue[]): Map<string, UnitRanges> {
      const bounds = propagateBounds(graph, box);
      const out = new Map<string, UnitRanges>();
      for (const { name, axis } of values) {
        const b = bounds.values.get(name);
        if (b !== undefined) out.set(name, unitRange(b, axis));
      }
      return out;
    },
    nonNegativeSites(graph: Graph): Set<string> {
      const bounds = propagateBounds(graph, box);
      const sites = new Set<string>();
      for (const site of activationSites(graph)) {
        const pre = site.fusedAttr !== undefined ? bounds.preActivation.get(site.node.name) : bounds.values.get(site.node.inputs[0] ?? '');
        if (pre !== undefined && pre.lo.every((v) => v >= 0) && pre.nan.every((f) => f === 0)) sites.add(site.node.name);
      }
      return sites;
    },
  };
}

/** Per-unit min and max of values on `data` (the model's one input), in chunks. */
export function observedOracle(data: Float32Array, sampleSize: number, label: string, chunk = 500): UnitOracle {
  return {
    mode: 'observed',
    why: `constant on ${label}`,
    ranges(graph: Graph, values: readonly UnitValue[]): Map<string, UnitRanges> {
      const out = new Map<string, { lo: Float64Array; hi: Float64Array; nan: Uint8Array }>();
      const input = graph.inputs[0];
      if (input === undefined) return out;
      const samples = data.length / sampleSize;
      for (let start = 0; start < samples; start += chunk) {
        const end = Math.min(samples, start + chunk);
        const run = interpretValues(graph, Object.fromEntries([[input.name, data.subarray(start * sampleSize, end * sampleSize)]]));
        for (const { name, axis } of values) {
          const tensor = run.get(name);
          if (tensor === undefined) continue;
          const units = tensor.shape[axis] ?? 1;
          const inner = tensor.shape.slice(axis + 1).reduce((n, d) => n * d, 1);
          const range = out.get(name) ?? { lo: new Float64Array(units).fill(Infinity), hi: new Float64Array(units).fill(-Infinity), nan: new Uint8Array(units) };
          tensor.data.forEach((v, i) => {
            const j = Math.floor(i / inner) % units;
            if (Number.isNaN(v)) range.nan[j] = 1;
            if (v < (range.lo[j] ?? Infinity)) range.lo[j] = v;
            if (v > (range.hi[j] ?? -Infinity)) range.hi[j] = v;
          });
          out.set(name, range);
        }
      }
      return out;
    },
  };
}
