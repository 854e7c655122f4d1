// Property runners that report a failure as pasteable text: the shrunk graph printed in full
// IR form (parse it back with parseGraph, or save it as a .ir fixture) and its feeds.

import fc from 'fast-check';
import type { Graph } from '../../ir/graph.ts';
import type { Feeds } from '../../ir/interpret.ts';
import { formatValueName } from '../../ir/names.ts';
import { formatNumber } from '../../ir/number-format.ts';
import { printGraph } from '../../ir/print.ts';

function isGraph(value: unknown): value is Graph {
  return typeof value === 'object' && value !== null && 'nodes' in value && 'inputs' in value && 'outputs' in value;
}

function formatFeeds(feeds: Feeds): string {
  return Object.entries(feeds)
    .map(([name, data]) => `# ${formatValueName(name)} = [${Array.from(data, formatNumber).join(', ')}]`)
    .join('\n');
}

/**
 * A value as text: a graph as full IR, an object holding `graph` (and `feeds`) as both,
 * anything else as JSON-ish text.
 */
export function formatCounterexample(value: unknown): string {
  if (isGraph(value)) return printGraph(value, { weights: 'full' });
  if (typeof value === 'object' && value !== null && 'graph' in value && isGraph(value.graph)) {
    const feeds = 'feeds' in value ? (value.feeds as Feeds) : undefined;
    const rest = Object.entries(value).filter(([key]) => key !== 'graph' && key !== 'feeds');
    return [
      printGraph(value.graph, { weights: 'full' }).trimEnd(),
      ...(feeds !== undefined ? [formatFeeds(feeds)] : []),
      ...rest.map(([key, v]) => `# ${key} = ${String(v)}`),
    ].join('\n');
  }
  if (Array.isArray(value)) return value.map(formatCounterexample).join('\n');
  return String(value);
}

export interface PropertyOptions<T> extends fc.Parameters<[T]> {
  /** How to show the counterexample (default formatCounterexample). */
  readonly describe?: (value: T) => string;
}

function failure<T>(details: fc.RunDetails<[T]>, describe: (value: T) => string): Error {
  const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  const example = details.counterexample === null ? '(none: the run was interrupted or skipped too often)' : describe(details.counterexample[0]);
  return new Error(
    `property failed after ${details.numRuns} run(s) and ${details.numShrinks} shrink(s) `
      + `(replay with { seed: ${details.seed}, path: "${details.counterexamplePath ?? ''}" }):\n${cause}\n\n`
      + `shrunk counterexample (IR text, pasteable into a .ir fixture):\n${example}`,
  );
}

/** fc.assert for one arbitrary, with the counterexample printed as IR text. */
export function assertGraphProperty<T>(arb: fc.Arbitrary<T>, predicate: (value: T) => boolean | void, options: PropertyOptions<T> = {}): void {
  const { describe = formatCounterexample, ...params } = options;
  const details = fc.check(fc.property(arb, predicate), params);
  if (details.failed) throw failure(details, describe);
}

/** The same for async predicates (backends whose `run` returns a promise). */
export async function assertGraphPropertyAsync<T>(
  arb: fc.Arbitrary<T>,
  predicate: (value: T) => Promise<boolean | void>,
  options: PropertyOptions<T> = {},
): Promise<void> {
  const { describe = formatCounterexample, ...params } = options;
  const details = await fc.check(fc.asyncProperty(arb, predicate), params);
  if (details.failed) throw failure(details, describe);
}
