// Compile-time benchmark of the pass pipeline (not a test): random layered graphs and wide
// fan-out graphs of about 100, 1,000 and 10,000 nodes optimized at -O2, reporting the time
// per node and the slowest passes.
// Run with `npm run bench:compile`. Passes should be near-linear: the time per node should
// stay roughly flat as graphs grow.

import { performance } from 'node:perf_hooks';
import type { Graph } from '../../ir/graph.ts';
import { ACTIVATION_OPS, activationParamCount } from '../../ir/ops/index.ts';
import { GraphBuilder, type Value } from '../../src/builder.ts';
import { optimize, type PassStat } from '../../src/passes/pipeline.ts';
import { Random } from '../../src/random.ts';

const WIDTH = 16;

/** A chain of blocks, each a mix of the patterns the passes rewrite, until `target` nodes. */
function randomGraph(target: number, seed: number): Graph {
  const random = new Random(seed);
  const pick = (n: number): number => Math.floor(random.next() * n);
  const b = new GraphBuilder(`bench_${target}`);
  const constant = (shape: readonly number[]): Value => b.constant(random.uniformArray(shape.reduce((n, d) => n * d, 1), -1, 1), shape);
  let x = b.input('x', ['N', WIDTH]);
  let skip = x;
  let count = 0;
  while (count < target) {
    let h: Value;
    switch (pick(3)) {
      case 0: h = b.add(b.matmul(x, constant([WIDTH, WIDTH])), constant([WIDTH])); count += 4; break;
      case 1: h = b.linear(x, b.transpose(constant([WIDTH, WIDTH]), [1, 0]), constant([WIDTH])); count += 4; break;
      default: h = b.linear(x, constant([WIDTH, WIDTH]), constant([WIDTH])); count += 3; break;
    }
    const op = ACTIVATION_OPS[pick(ACTIVATION_OPS.length)];
    if (op !== undefined) {
      const params = Array.from({ length: activationParamCount({ op, attrs: {} }) }, () => constant([1]));
      h = b.op(op, [h, ...params]);
      count += 1 + params.length;
    }
    if (pick(2) === 0) {
      h = b.sigmoid(b.add(b.mul(h, constant([WIDTH])), skip));
      count += 4;
      skip = h;
    }
    if (pick(4) === 0) {
      h = b.identity(b.dropout(h));
      count += 2;
    }
    x = h;
  }
  b.output(x);
  return b.build();
}

/** Fan-out: every branch reads the input and a shared bias, then a chain of adds joins them. */
function wideGraph(target: number, seed: number): Graph {
  const random = new Random(seed);
  const b = new GraphBuilder(`wide_${target}`);
  const x = b.input('x', ['N', WIDTH]);
  const bias = b.constant(random.uniformArray(WIDTH, -1, 1), [WIDTH]);
  let sum: Value | undefined;
  for (let count = 0; count < target; count += 3) {
    const branch = b.relu(b.add(x, bias));
    sum = sum === undefined ? branch : b.add(sum, branch);
  }
  b.output(sum ?? x);
  return b.build();
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, c) => a - c);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

function slowestPasses(stats: readonly PassStat[]): string {
  return [...stats].sort((a, c) => c.ms - a.ms).slice(0, 3).map((s) => `${s.pass} ${s.ms.toFixed(1)}`).join(', ');
}

console.log('fusegraph -O2 compile time (median of 5 runs after a warm-up; ms)');
console.log('graph         in->out      total ms   µs/node   slowest passes (ms)');
const cases = [100, 1_000, 10_000].flatMap((target) => [
  { label: `layered ${target}`, graph: randomGraph(target, target) },
  { label: `wide ${target}`, graph: wideGraph(target, target) },
]);
for (const { label, graph } of cases) {
  optimize(graph);
  const times: number[] = [];
  let last: ReturnType<typeof optimize> | undefined;
  for (let run = 0; run < 5; run++) {
    const start = performance.now();
    last = optimize(graph);
    times.push(performance.now() - start);
  }
  const ms = median(times);
  const perNode = (ms * 1000) / graph.nodes.length;
  console.log(
    `${label.padEnd(13)} ${`${graph.nodes.length}->${last?.graph.nodes.length ?? '?'}`.padEnd(12)} ${ms.toFixed(1).padStart(8)}   ${perNode.toFixed(2).padStart(7)}   ${slowestPasses(last?.stats ?? [])}`,
  );
}
