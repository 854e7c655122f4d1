// Runs one ONNX node test on one target: each data set read and imported once (shared by the
// targets), the model compiled once per target, every output compared with ONNX's result.

import type { Graph } from '../../ir/graph.ts';
import { bindBatch, type TypedFeeds } from '../../ir/interpret.ts';
import { importOnnx } from '../../src/frontends/onnx/import.ts';
import { compareOutputs, withinFiniteContract } from './onnx-compare.ts';
import { floatTensors, readDataSet, type ExpectedOutput, type NodeTest } from './onnx-node-data.ts';
import { FINITE_ONLY, type ConformanceTarget, type Session, type TargetRunner } from './targets.ts';

interface ImportedCase {
  readonly graph: Graph;
  readonly feeds: TypedFeeds;
  readonly expected: readonly ExpectedOutput[];
}

export class NodeTestRunner {
  private readonly imports = new Map<string, Promise<ImportedCase[]>>();

  /** `constants(test)`: inputs to freeze besides the integer ones (the test's table). */
  constructor(
    private readonly targets: TargetRunner,
    private readonly constants: (test: string) => readonly string[],
  ) {}

  /** Imports first, so the importer's reason wins over a data set's element type. */
  private importTest(test: NodeTest): Promise<ImportedCase[]> {
    let pending = this.imports.get(test.name);
    if (pending === undefined) {
      pending = (async () => {
        const graphs = new Map<Uint8Array, Graph>();
        return test.dataSets.map((dataSet) => {
          const data = readDataSet(test, dataSet, this.constants(test.name));
          const graph = graphs.get(data.bytes) ?? importOnnx(data.bytes, { file: `${test.name}.onnx` });
          graphs.set(data.bytes, graph);
          return { graph, ...floatTensors(data) };
        });
      })();
      this.imports.set(test.name, pending);
    }
    return pending;
  }

  /**
   * Runs every data set of `test` on `target`; throws describing each output that differs.
   * Returns why the comparison was not made, if it was not.
   */
  async run(test: NodeTest, target: ConformanceTarget): Promise<string | undefined> {
    const cases = await this.importTest(test);
    if (FINITE_ONLY.has(target) && !cases.every((c) => withinFiniteContract(c.feeds, c.expected))) {
      return `NaN or ±Inf inputs (or NaN results): outside the ${target} target's float contract (codegen/wgsl/prelude.ts)`;
    }
    // A symbolic batch (a dim_param on axis 0) is bound by the feeds; WGSL sizes buffers for the largest.
    const maxBatch = Math.max(1, ...cases.flatMap((c) => [...bindBatch(c.graph, c.feeds).values()]));
    const sessions = new Map<Graph, Session>();
    try {
      for (const { graph, feeds, expected } of cases) {
        let session = sessions.get(graph);
        if (session === undefined) {
          session = await this.targets.open(graph, target, maxBatch);
          sessions.set(graph, session);
        }
        const mismatches = compareOutputs(expected, graph, feeds, await session.run(feeds));
        if (mismatches.length > 0) {
          const worst = Math.max(...mismatches.map((m) => m.maxAbsError));
          throw new Error(`max abs error ${worst.toPrecision(3)}: ${mismatches.map((m) => m.message).join('; ')}`);
        }
      }
    } finally {
      for (const session of sessions.values()) session.dispose();
    }
    return undefined;
  }
}
