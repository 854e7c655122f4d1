// Model-supplied names never become code: graph, input, node and output names full of quotes,
// backticks, comment terminators, template holes, line terminators and `__proto__` produce a
// bundle that imports, runs, keeps the names verbatim in metadata and results, and executes
// nothing of them.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emitJs } from '../../../codegen/js/target.ts';
import { sanitizeIdentifier } from '../../../codegen/namer.ts';
import type { Graph } from '../../../ir/graph.ts';
import { interpret } from '../../../ir/interpret.ts';
import { GraphBuilder } from '../../../src/builder.ts';
import { naivePlan } from '../naive-plan.ts';
import { importBundle } from './load-bundle.ts';

const CANARY = '__fusegraphPwned';
const HOSTILE = [
  `"); globalThis.${CANARY} = 1; ("`,
  `'; globalThis.${CANARY} = 1; '`,
  `\`; globalThis.${CANARY} = 1; \``,
  `\${globalThis.${CANARY} = 1}`,
  `*/ globalThis.${CANARY} = 1; /*`,
  `x\nglobalThis.${CANARY} = 1;`,
  `x\u2028globalThis.${CANARY} = 1;`,
  `x\u2029globalThis.${CANARY} = 1;\r`,
  '__proto__',
  'constructor',
  'run',
  '0',
  '',
  '\\',
];

function hostileGraph(names: readonly string[]): Graph {
  const at = (i: number): string => names[i % names.length] ?? 'x';
  const b = new GraphBuilder(at(0));
  const x = b.input(at(1), ['N', 3]);
  const w = b.constant(new Float32Array([1, -2, 3, 0.5, 0.25, -1]), [2, 3], `${at(2)}#w`);
  const h = b.linear(x, w, undefined, { op: 'relu', attrs: {} }, [], `${at(3)}#h`);
  const y = b.op('tanh', [h], {}, `${at(4)}#y`);
  b.output(y, h);
  return b.build();
}

async function checkSafe(graph: Graph): Promise<void> {
  const bundle = emitJs(graph, naivePlan(graph));
  const module = await importBundle(bundle);
  const input = graph.inputs[0]?.name ?? '';
  const x = new Float32Array([1, 2, 3, -1, -2, -3]);
  const result = module.run(Object.defineProperty({}, input, { value: x, enumerable: true }));
  const expected = interpret(graph, Object.defineProperty({}, input, { value: x, enumerable: true }));
  expect(Object.keys(result)).toEqual(graph.outputs);
  for (const name of graph.outputs) {
    expect(Object.hasOwn(result, name)).toBe(true);
    expect(Array.from(result[name] ?? [])).toEqual(Array.from(expected[name] ?? []));
  }
  expect(module.metadata.name).toBe(graph.name);
  expect(module.metadata.inputs[0]?.name).toBe(input);
  expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
  expect((globalThis as Record<string, unknown>)[CANARY]).toBeUndefined();
  for (const file of bundle.files) {
    if (typeof file.contents === 'string') expect(file.contents).not.toMatch(/[\u2028\u2029]/);
  }
}

describe('hostile model names', () => {
  it('never inject code, whichever part of the model they name', async () => {
    for (let shift = 0; shift < HOSTILE.length; shift++) {
      await checkSafe(hostileGraph(HOSTILE.map((_, i) => HOSTILE[(i + shift) % HOSTILE.length] ?? '')));
    }
  });

  it('never inject code for arbitrary unicode names', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.string({ unit: 'binary', maxLength: 12 }), { minLength: 5, maxLength: 5 }), async (names) => {
      await checkSafe(hostileGraph(names.map((name, i) => `${name}${i}`)));
    }), { numRuns: 25 });
  });

  it('sanitizes identifiers to [A-Za-z0-9_], never starting with a digit', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => {
      expect(sanitizeIdentifier(text)).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
    }));
  });
});
