// The WGSL bundle's .d.ts: the JS bundle's Feeds, Results and metadata, and a load() that takes
// a device and maxBatch; a consumer using it right type-checks, one that misspells an input,
// reads a missing output or calls a synchronous run does not (ts-morph, strict, in memory).

import { Project } from 'ts-morph';
import { describe, expect, it } from 'vitest';
import { emitWgsl } from '../../codegen/wgsl/target.ts';
import seedMlp from '../../examples/seed-mlp.ts';
import { naivePlan } from '../codegen/naive-plan.ts';

function diagnostics(consumer: string): string[] {
  const bundle = emitWgsl(seedMlp, naivePlan(seedMlp));
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

describe('WGSL bundle .d.ts', () => {
  it('types a correct consumer', () => {
    const consumer = `
      import { load, metadata, type Feeds, type Results } from './ENTRY';
      const feeds: Feeds = { x: new Float32Array(784) };
      const name: 'seed_mlp' = metadata.name;
      async function main(device: object): Promise<Results> {
        const session = await load({ device, maxBatch: 8 });
        const result = await session.run(feeds);
        session.dispose();
        return result;
      }
      void name; void main;
    `;
    expect(diagnostics(consumer)).toEqual([]);
  });

  it('types GPUBuffer feeds, keepOnGpu results, runBatch and the kernel features', () => {
    const consumer = `
      import { load, type Results, type GpuResults, type GpuBuffer } from './ENTRY';
      async function main(device: object, input: GpuBuffer): Promise<void> {
        const session = await load({ device });
        const kept: GpuResults = await session.run({ x: input }, { keepOnGpu: true });
        kept.logits.destroy();
        const read: Results = await session.run({ x: kept.logits }, { batch: 2 });
        const many: GpuResults[] = await session.runBatch([{ x: input }, { x: new Float32Array(784) }], { keepOnGpu: true });
        const arrays: Results[] = await session.runBatch([{ x: input }]);
        const f16: boolean = session.features.f16;
        const why: string | null = session.features.f16Fallback;
        void read; void many; void arrays; void f16; void why;
      }
      async function wrong(device: object): Promise<void> {
        const session = await load({ device });
        const kept = await session.run({ x: new Float32Array(784) }, { keepOnGpu: true });
        const values: Float32Array = kept.logits;
        void values;
      }
      void main; void wrong;
    `;
    // One diagnostic: the keepOnGpu result is a buffer, not a Float32Array.
    const found = diagnostics(consumer);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/Float32Array/);
  });

  it('rejects a misspelled input, a missing output and a synchronous run', () => {
    const consumer = `
      import { load, run } from './ENTRY';
      async function main(): Promise<void> {
        const session = await load({ maxBatch: 2 });
        const r = await session.run({ xx: new Float32Array(784) });
        const y: Float32Array = r.probabilities;
        void y; void run;
      }
      void main;
    `;
    const found = diagnostics(consumer).join('\n');
    expect(found).toMatch(/xx/);
    expect(found).toMatch(/probabilities/);
    expect(found).toMatch(/run/);
  });
});
