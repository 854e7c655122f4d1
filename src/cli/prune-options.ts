// The --prune options of `compile`, `ir` and `bench`: `--prune proved` with an input box
// (--input-range lo,hi or --input-box-from <file>) removes units proved constant over the
// box; `--prune observed --data <file>` removes units constant (never active) on the data,
// and --check-data <file> measures how often pruned and unpruned models agree on the argmax.

import type { Command } from 'commander';
import { CompileError } from '../../ir/errors.ts';
import type { Graph } from '../../ir/graph.ts';
import { interpret } from '../../ir/interpret.ts';
import { observedOracle, provedOracle } from '../analysis/unit-oracles.ts';
import { emptySummary, pruneDeadUnitsPass, type PruneSummary } from '../passes/prune-dead-units.ts';
import type { Pass } from '../passes/pass.ts';
import { boxFromFlags, dataFromFlag, scaleOf, type BoxFlags } from './box-options.ts';
import { readDataSet, type DataSet } from './data-file.ts';

export interface PruneFlags extends BoxFlags {
  readonly prune?: string;
  readonly data?: string;
  readonly checkData?: string;
}

export function addPruneOptions(command: Command): Command {
  return command
    .option('--prune <mode>', 'remove dead units: proved (needs --input-range or --input-box-from) or observed (needs --data)')
    .option('--input-range <lo,hi>', 'with --prune proved: the box every input value lies in')
    .option('--input-box-from <file>', 'with --prune proved: each feature\'s min..max over this data file')
    .option('--data <file>', 'with --prune observed: the samples units must be dead on (.npy, IDX, .json, .gz)')
    .option('--scale <factor>', 'multiply data files by this, e.g. 1/255')
    .option('--check-data <file>', 'with --prune: report the argmax agreement of pruned and unpruned models on these samples');
}

export interface PrunePlan {
  readonly pass: Pass;
  readonly summary: PruneSummary;
  readonly check?: DataSet;
}

export function prunePlan(graph: Graph, flags: PruneFlags): PrunePlan | undefined {
  const mode = flags.prune;
  if (mode === undefined) {
    const stray = (['inputRange', 'inputBoxFrom', 'data', 'checkData'] as const).find((k) => flags[k] !== undefined);
    if (stray !== undefined) throw new CompileError(`--${stray.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} needs --prune proved or --prune observed`);
    return undefined;
  }
  let plan: { pass: Pass; summary: PruneSummary };
  if (mode === 'proved') {
    if (flags.data !== undefined) throw new CompileError('--prune proved takes an input box (--input-range or --input-box-from), not --data');
    const box = boxFromFlags(graph, flags);
    if (box === undefined) throw new CompileError('--prune proved needs --input-range lo,hi or --input-box-from <file>');
    const oracle = provedOracle(box.box, box.description);
    const summary = emptySummary('proved', oracle.why);
    plan = { pass: pruneDeadUnitsPass(oracle, summary), summary };
  } else if (mode === 'observed') {
    if (flags.inputRange !== undefined || flags.inputBoxFrom !== undefined) throw new CompileError('--prune observed takes --data, not an input box');
    const data = dataFromFlag(graph, flags.data, flags);
    if (data === undefined) throw new CompileError('--prune observed needs --data <file>');
    const oracle = observedOracle(data.values, data.sampleSize, `${data.samples} samples of ${data.path}`);
    const summary = emptySummary('observed', oracle.why);
    plan = { pass: pruneDeadUnitsPass(oracle, summary), summary };
  } else {
    throw new CompileError(`--prune must be proved or observed, got '${mode}'`);
  }
  return flags.checkData === undefined ? plan : { ...plan, check: readDataSet(flags.checkData, graph, scaleOf(flags)) };
}

function argmaxRows(values: Float32Array, classes: number): Int32Array {
  const rows = values.length / classes;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if ((values[r * classes + c] ?? -Infinity) > (values[r * classes + best] ?? -Infinity)) best = c;
    out[r] = best;
  }
  return out;
}

/** How many samples of `data` get the same argmax (first output, last axis) from both graphs. */
export function argmaxAgreement(original: Graph, pruned: Graph, data: DataSet): { agree: number; total: number } {
  const input = original.inputs[0];
  const output = original.outputs[0];
  const outType = original.nodes.find((n) => n.name === output)?.type;
  const classes = Number(outType?.shape[outType.shape.length - 1] ?? 1);
  if (input === undefined || output === undefined) throw new CompileError('--check-data needs a model with an input and an output');
  let agree = 0;
  for (let start = 0; start < data.samples; start += 500) {
    const end = Math.min(data.samples, start + 500);
    const feeds = Object.fromEntries([[input.name, data.values.subarray(start * data.sampleSize, end * data.sampleSize)]]);
    const a = argmaxRows(interpret(original, feeds)[output] ?? new Float32Array(), classes);
    const b = argmaxRows(interpret(pruned, feeds)[pruned.outputs[0] ?? ''] ?? new Float32Array(), classes);
    a.forEach((v, i) => { if (b[i] === v) agree++; });
  }
  return { agree, total: data.samples };
}
