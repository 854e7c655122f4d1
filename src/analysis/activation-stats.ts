// Observed activation statistics: the model runs through the reference interpreter on a
// data set, in chunks, and every activation site (standalone or fused, activation-sites.ts)
// counts per unit how often its pre-activation is positive (the unit is active), negative
// (LeakyReLU/PReLU on their negative slope) or in saturation (sigmoid, tanh, ELU: the
// output within 1% of its limit). A unit is a feature of the last axis, or a channel (axis 1)
// for convolutions and images (activation-sites.ts). For a channel the counts also go per
// position (H·W), so a channel that fires only at some positions shows where.

import { CompileError } from '../../ir/errors.ts';
import type { Graph } from '../../ir/graph.ts';
import { interpretValues } from '../../ir/interpret.ts';
import { formatValueName } from '../../ir/names.ts';
import { OPS, type Tensor } from '../../ir/ops/index.ts';
import { activationSites, siteUnitAxis, withoutActivation, type ActivationSite } from './activation-sites.ts';

/** The pre-activation thresholds past which an activation's output is within 1% of a limit. */
const SATURATION: Readonly<Record<string, (x: number) => boolean>> = {
  sigmoid: (x) => Math.abs(x) > 4.59512, // sigmoid(4.59512) = 0.99
  tanh: (x) => Math.abs(x) > 2.64665, // tanh(2.64665) = 0.99
  elu: (x) => x < -4.60517, // exp(-4.60517) - 1 = -0.99: within 1% of -alpha
};

/** Activations with a slope below zero (a "negative slope" instead of a flat zero). */
const NEGATIVE_SLOPE: ReadonlySet<string> = new Set(['leaky_relu', 'prelu']);

/** Per-position counts are kept up to this many units × positions (a 64×112×112 layer is 800k). */
const MAX_POSITION_COUNTS = 1 << 22;

export interface SiteStats {
  readonly site: ActivationSite;
  /** The units' axis in the site's value. */
  readonly axis: number;
  readonly units: number;
  /** Positions per sample of one unit (1 for a feature; H·W for a channel). */
  readonly positions: number;
  /** Active observations per unit and position (units × positions), when positions > 1. */
  readonly activeAt: Float64Array | undefined;
  /** Observations per unit: samples × positions (spatial or sequence). */
  observations: number;
  readonly active: Float64Array;
  readonly negative: Float64Array;
  readonly saturated: Float64Array;
  /** Whether saturation / negative slope are meaningful for this activation. */
  readonly saturates: boolean;
  readonly negativeSlope: boolean;
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
  const axis = stats.axis;
  const units = pre.shape[axis] ?? 1;
  const inner = pre.shape.slice(axis + 1).reduce((n, d) => n * d, 1);
  const saturation = SATURATION[stats.site.activation.op];
  const activeAt = stats.activeAt;
  stats.observations += pre.data.length / units;
  for (let i = 0; i < pre.data.length; i++) {
    const unit = Math.floor(i / inner) % units;
    const x = pre.data[i] ?? NaN;
    if (x > 0) {
      stats.active[unit] = (stats.active[unit] ?? 0) + 1;
      // Positions run innermost after the channel axis (axis 1 of [N, C, ...]).
      if (activeAt !== undefined) activeAt[unit * inner + (i % inner)] = (activeAt[unit * inner + (i % inner)] ?? 0) + 1;
    }
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
    const axis = siteUnitAxis(graph, site);
    const shape = site.node.type.shape;
    const units = Number(shape[axis] ?? 1);
    // Per-position counts for channels only: positions after the channel axis.
    const positions = axis === 1 && shape.length >= 3 ? shape.slice(2).reduce<number>((n, d) => n * Number(d), 1) : 1;
    const perPosition = positions > 1 && units * positions <= MAX_POSITION_COUNTS;
    return {
      site, axis, units, positions, observations: 0,
      activeAt: perPosition ? new Float64Array(units * positions) : undefined,
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
