// The generated .d.ts types feeds and results by name: a consumer that uses the bundle right
// type-checks, one that misspells an input or reads a missing output does not (ts-morph's
// in-memory project, strict mode).

import { Project } from 'ts-morph';
import { describe, expect, it } from 'vitest';
import { emitJs } from '../../../codegen/js/target.ts';
import { GraphBuilder } from '../../../src/builder.ts';
import seedMlp from '../../../examples/seed-mlp.ts';
import { naivePlan } from '../naive-plan.ts';
import type { Graph } from '../../../ir/graph.ts';

/** Diagnostics of `consumer` (which imports './ENTRY') against the bundle's declarations. */
function diagnostics(graph: Graph, consumer: string): string[] {
  const bundle = emitJs(graph, naivePlan(graph));
  const project = new Project({
    useInMemoryFileSystem: true,
    compilerOptions: { strict: true, noEmit: true, target: 99, module: 199, moduleResolution: 99, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'] },
  });
  for (const file of bundle.files) {
    if (typeof file.contents === 'string' && file.name.includes('.d.')) project.createSourceFile(`/b/${file.name}`, file.contents);
  }
  project.createSourceFile('/b/package.json', '{ "type": "module" }');
  project.createSourceFile('/b/consumer.mts', consumer.replace('ENTRY', bundle.entry));
  return project.getPreEmitDiagnostics().map((d) => {
    const text = d.getMessageText();
    return typeof text === 'string' ? text : text.getMessageText();
  });
}

describe('JS bundle .d.ts', () => {
  it('types a correct consumer of the seed bundle', () => {
    const consumer = `
      import { load, metadata, run, type Feeds, type Results } from './ENTRY';
      const feeds: Feeds = { x: new Float32Array(784) };
      const logits: Float32Array = run(feeds).logits;
      const name: 'seed_mlp' = metadata.name;
      const dim: 'N' = metadata.inputs[0].shape[0];
      async function main(): Promise<Results> { const session = await load(); const r = await session.run(feeds); session.dispose(); return r; }
      void logits; void name; void dim; void main;
    `;
    expect(diagnostics(seedMlp, consumer)).toEqual([]);
  });

  it('rejects a misspelled input and a missing output', () => {
    const consumer = `
      import { run } from './ENTRY';
      const r = run({ xx: new Float32Array(784) });
      const y: Float32Array = r.probabilities;
      void y;
    `;
    const found = diagnostics(seedMlp, consumer).join('\n');
    expect(found).toMatch(/xx/);
    expect(found).toMatch(/probabilities/);
  });

  it('types hostile names as escaped string keys', () => {
    const b = new GraphBuilder('g"\u2028*/');
    const x = b.input('__proto__', ['N', 2]);
    b.output(b.relu(x, 'out "1"\n`${x}`'));
    const consumer = `
      import { run } from './ENTRY';
      const r = run({ ['__proto__']: new Float32Array(2) });
      const y: Float32Array = r['out "1"\\n\`\${x}\`'];
      void y;
    `;
    expect(diagnostics(b.build(), consumer)).toEqual([]);
  });
});
