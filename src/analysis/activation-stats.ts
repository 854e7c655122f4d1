// Observed activation statistics: the model runs through the reference interpreter on a
// data set, in chunks, and every activation site (standalone or fused, activation-sites.ts)
// counts per unit how often its pre-activation is positive (the unit is active), negative
// (LeakyReLU/PReLU on their negative slope) or in saturation (sigmoid, tanh, ELU: the
// output within 1% of its limit). A unit is a feature of the last axis for rank <= 3 values
// and a channel (axis 1) for images [N, C, H, W].

import { CompileError } from '../../ir/errors.ts';
import type { Graph } from '../../ir/graph.ts';
import { interpretValues } from '../../ir/interpret.ts';
import { formatValueName } from '../../ir/names.ts';
import { OPS, type Tensor } from '../../ir/ops/index.ts';
import { activationSites, withoutActivation, type ActivationSite } from './activation-sites.ts';

/** The pre-activation thresholds past which an activation's output is within 1% of a limit. */
const SATURATION: Readonly<Record<string, (x: number) => boolean>> = {
  sigmoid: (x) => Math.abs(x) > 4.59512, // sigmoid(4.59512) = 0.99
  tanh: (x) => Math.abs(x) > 2.64665, // tanh(2.64665) = 0.99
  elu: (x) => x < -4.60517, // exp(-4.60517) - 1 = -0.99: within 1% of -alpha
};

/** Activations with a slope below zero (a "negative slope" instead of a flat zero). */
const NEGATIVE_SLOPE: ReadonlySet<string> = new Set(['leaky_relu', 'prelu']);

export interface SiteStats {
  readonly site: ActivationSite;
  readonly units: number;
  /** Observations per unit: samples × positions (spatial or sequence). */
  observations: number;
  readonly active: Float64Array;
  readonly negative: Float64Array;
  readonly saturated: Float64Array;
  /** Whether saturation / negative slope are meaningful for this activation. */
  readonly saturates: boolean;
  readonly negativeSlope: boolean;
}

export function unitAxis(rank: number): number {
  return rank >= 4 ? 1 : rank - 1;
}

/** The pre-activation values of a site on one chunk. */
function preActivation(site: ActivationSite, values: ReadonlyMap<string, Tensor>): Tensor {
  const get = (name: string): Tensor => {
    const t = values.get(name);
    if (t === undefined) throw new CompileError(`internal: no value ${formatValueName(name)}`);
    return t;
  };
  if (site.fusedAttr === undefined) return get(site.node.inputs[0] ?? '');
  const stripped = withoutActivation(site.node, site.fusedAttr);
  const out = get(site.node.name);
  return { shape: out.shape, data: OPS[site.node.op].evaluate(stripped.inputs.map(get), stripped.attrs, out.shape) };
}

function count(stats: SiteStats, pre: Tensor): void {
  const axis = unitAxis(pre.shape.length);
  const units = pre.shape[axis] ?? 1;
  const inner = pre.shape.slice(axis + 1).reduce((n, d) => n * d, 1);
  const saturation = SATURATION[stats.site.activation.op];
  stats.observations += pre.data.length / units;
  for (let i = 0; i < pre.data.length; i++) {
    const unit = Math.floor(i / inner) % units;
    const x = pre.data[i] ?? NaN;
    if (x > 0) stats.active[unit] = (stats.active[unit] ?? 0) + 1;
    else if (x < 0) stats.negative[unit] = (stats.negative[unit] ?? 0) + 1;
    if (saturation?.(x) === true) stats.saturated[unit] = (stats.saturated[unit] ?? 0) + 1;
  }
}

/** Statistics of every activation site over `data` (samples of the model's one input). */
export function collectActivationStats(graph: Graph, data: Float32Array, sampleSize: number, chunk = 500): SiteStats[] {
  const [input] = graph.inputs;
  if (input === undefined || graph.inputs.length !== 1) {
    throw new CompileError(`--data feeds a model with one input; this one has ${graph.inputs.length}`);
  }
  const sites = activationSites(graph);
  if (sites.length === 0) throw new CompileError('the model has no activations to inspect');
  const stats: SiteStats[] = sites.map((site) => {
    const rank = site.node.type.shape.length;
    const units = Number(site.node.type.shape[unitAxis(rank)] ?? 1);
    return {
      site, units, observations: 0,
      active: new Float64Array(units), negative: new Float64Array(units), saturated: new Float64Array(units),
      saturates: Object.hasOwn(SATURATION, site.activation.op), negativeSlope: NEGATIVE_SLOPE.has(site.activation.op),
    };
  });
  const samples = data.length / sampleSize;
  for (let start = 0; start < samples; start += chunk) {
    const end = Math.min(samples, start + chunk);
    const values = interpretValues(graph, Object.fromEntries([[input.name, data.subarray(start * sampleSize, end * sampleSize)]]));
    stats.forEach((s) => count(s, preActivation(s.site, values)));
  }
  return stats;
}
