// `fusegraph inspect`'s analysis: per activation layer, what the data shows (dead units,
// always-active units, the distribution of how often units fire, saturation and negative-
// slope shares) and what interval bounds prove over an input box (dead, linear), with the
// multiply-adds the dead units cost. The result is plain data: the CLI prints it as a table,
// as JSON, or as an HTML report.

import type { Graph } from '../../ir/graph.ts';
import { formatValueName } from '../../ir/names.ts';
import { collectActivationStats, type SiteStats } from './activation-stats.ts';
import { activationSites, siteUnitAxis, type ActivationSite } from './activation-sites.ts';
import type { Bounds } from './bounds.ts';
import { propagateBounds, type InputBox } from './propagate-bounds.ts';
import { unitChain } from './unit-chains.ts';
import { CompileError } from '../../ir/errors.ts';
import { OPS } from '../../ir/ops/index.ts';

/** Bins of the activation-frequency histogram: [0, 0.1), …, [0.9, 1.0]. */
export const HISTOGRAM_BINS = 10;

export interface ObservedLayer {
  readonly samples: number;
  readonly dead: number[];
  readonly alwaysActive: number[];
  /** Per unit: the share of observations with a positive pre-activation. */
  readonly activeFraction: number[];
  readonly histogram: number[];
  /** Share of all observations in saturation (sigmoid, tanh, elu), else null. */
  readonly saturatedShare: number | null;
  /** Share of all observations on the negative slope (leaky_relu, prelu), else null. */
  readonly negativeSlopeShare: number | null;
  readonly deadMacsPerSample: number;
  /** Positions per sample of one unit: 1 for a feature, H·W for a conv channel. */
  readonly positions: number;
  /** Channels only: per unit, how many of its positions never fire (null for features). */
  readonly deadPositions: number[] | null;
  /** Channels only: per position (row-major H·W), the share of units × samples active there. */
  readonly positionActiveFraction: number[] | null;
  /** Channels only: the spatial dims the positions run over ([H, W], or [L] for Conv1d). */
  readonly positionShape: number[] | null;
}

export interface ProvedLayer {
  /** Units whose pre-activation upper bound is <= 0 over the box. */
  readonly dead: number[];
  /** Units whose pre-activation lower bound is >= 0 over the box. */
  readonly linear: number[];
  readonly deadMacsPerSample: number;
}

export interface LayerReport {
  /** The value the activation produces, as IR text (e.g. %h). */
  readonly value: string;
  readonly activation: string;
  /** The op that hosts a fused activation (linear), or null for a standalone one. */
  readonly fusedInto: string | null;
  readonly units: number;
  /** Multiply-adds per sample one unit costs (its dot product and its consumers' terms). */
  readonly macsPerUnit: number;
  readonly observed: ObservedLayer | null;
  readonly proved: ProvedLayer | null;
}

export interface InspectReport {
  readonly graph: string;
  readonly box: { readonly description: string } | null;
  readonly layers: LayerReport[];
}

export interface InspectOptions {
  readonly data?: { readonly values: Float32Array; readonly sampleSize: number };
  readonly box?: { readonly box: InputBox; readonly description: string };
  /** Symbol values the bounds hold at (the interpreter's `dims`); symbols left out are bounded at 1. */
  readonly dims?: Readonly<Record<string, number>>;
}

/** The linear or conv that makes a site's units, through elementwise ops (a batch-norm scale). */
function macsPerUnit(graph: Graph, site: ActivationSite): number {
  let producer = site.fusedAttr !== undefined ? site.node : graph.nodes.find((n) => n.name === site.node.inputs[0]);
  for (let depth = 0; producer !== undefined && producer.op !== 'linear' && producer.op !== 'conv' && depth < 8; depth++) {
    if (OPS[producer.op].elementwise === undefined) return 0;
    const from = producer.inputs[0];
    producer = graph.nodes.find((n) => n.name === from);
  }
  return producer === undefined ? 0 : unitChain(graph, producer).macsPerUnit;
}

function positionStats(stats: SiteStats): Pick<ObservedLayer, 'positions' | 'deadPositions' | 'positionActiveFraction' | 'positionShape'> {
  const { activeAt, positions, units } = stats;
  if (activeAt === undefined) return { positions, deadPositions: null, positionActiveFraction: null, positionShape: null };
  const deadPositions = Array.from({ length: units }, (_, u) => {
    let dead = 0;
    for (let p = 0; p < positions; p++) if (activeAt[u * positions + p] === 0) dead++;
    return dead;
  });
  const samples = stats.observations / positions;
  const positionActiveFraction = Array.from({ length: positions }, (_, p) => {
    let active = 0;
    for (let u = 0; u < units; u++) active += activeAt[u * positions + p] ?? 0;
    return samples === 0 ? 0 : active / (samples * units);
  });
  const positionShape = stats.site.node.type.shape.slice(2).map(Number);
  return { positions, deadPositions, positionActiveFraction, positionShape };
}

function observedLayer(stats: SiteStats, macs: number): ObservedLayer {
  const n = stats.observations;
  const activeFraction = Array.from(stats.active, (a) => (n === 0 ? 0 : a / n));
  const dead = activeFraction.flatMap((f, unit) => (stats.active[unit] === 0 ? [unit] : []));
  const alwaysActive = activeFraction.flatMap((_, unit) => (stats.active[unit] === n ? [unit] : []));
  const histogram = new Array<number>(HISTOGRAM_BINS).fill(0);
  for (const f of activeFraction) {
    const bin = Math.min(HISTOGRAM_BINS - 1, Math.floor(f * HISTOGRAM_BINS));
    histogram[bin] = (histogram[bin] ?? 0) + 1;
  }
  const total = n * stats.units;
  const share = (counts: Float64Array): number => (total === 0 ? 0 : counts.reduce((s, c) => s + c, 0) / total);
  return {
    samples: n, dead, alwaysActive, activeFraction, histogram,
    saturatedShare: stats.saturates ? share(stats.saturated) : null,
    negativeSlopeShare: stats.negativeSlope ? share(stats.negative) : null,
    deadMacsPerSample: dead.length * macs,
    ...positionStats(stats),
  };
}

/** Per unit, the least lower and greatest upper bound over its positions. */
export function unitRange(bounds: Bounds, axis: number): { lo: Float64Array; hi: Float64Array; nan: Uint8Array } {
  const units = bounds.shape[axis] ?? 1;
  const inner = bounds.shape.slice(axis + 1).reduce((n, d) => n * d, 1);
  const lo = new Float64Array(units).fill(Infinity);
  const hi = new Float64Array(units).fill(-Infinity);
  const nan = new Uint8Array(units);
  for (let i = 0; i < bounds.lo.length; i++) {
    const unit = Math.floor(i / inner) % units;
    lo[unit] = Math.min(lo[unit] ?? Infinity, bounds.lo[i] ?? -Infinity);
    hi[unit] = Math.max(hi[unit] ?? -Infinity, bounds.hi[i] ?? Infinity);
    if (bounds.nan[i] !== 0) nan[unit] = 1;
  }
  return { lo, hi, nan };
}

function provedLayer(pre: Bounds, axis: number, macs: number): ProvedLayer {
  const range = unitRange(pre, axis);
  const dead: number[] = [];
  const linear: number[] = [];
  range.hi.forEach((hi, unit) => {
    if (range.nan[unit] !== 0) return;
    if (hi <= 0) dead.push(unit);
    else if ((range.lo[unit] ?? -Infinity) >= 0) linear.push(unit);
  });
  return { dead, linear, deadMacsPerSample: dead.length * macs };
}

export function inspectGraph(graph: Graph, options: InspectOptions): InspectReport {
  const sites = activationSites(graph);
  if (sites.length === 0) throw new CompileError('the model has no activations to inspect');
  const observed = options.data === undefined ? undefined : collectActivationStats(graph, options.data.values, options.data.sampleSize);
  const bounds = options.box === undefined ? undefined : propagateBounds(graph, options.box.box, options.dims === undefined ? {} : { dims: options.dims });
  const layers = sites.map((site, index): LayerReport => {
    const macs = macsPerUnit(graph, site);
    const stats = observed?.[index];
    const pre = site.fusedAttr !== undefined ? bounds?.preActivation.get(site.node.name) : bounds?.values.get(site.node.inputs[0] ?? '');
    const axis = siteUnitAxis(graph, site);
    return {
      value: formatValueName(site.node.name),
      activation: site.activation.op,
      fusedInto: site.fusedAttr === undefined ? null : site.node.op,
      units: Number(site.node.type.shape[axis] ?? 1),
      macsPerUnit: macs,
      observed: stats === undefined ? null : observedLayer(stats, macs),
      proved: pre === undefined ? null : provedLayer(pre, axis, macs),
    };
  });
  return { graph: graph.name, box: options.box === undefined ? null : { description: options.box.description }, layers };
}
