// One cold compile in its own process: `compile-time.ts <target> <model>` builds the model's
// graph, then times compile() to that target (passes, lowering, weight packing, emission) and
// prints one JSON line. A fresh process includes the compiler's own JIT warm-up, as the CLI does.

import { compile, TARGET_NAMES, type TargetName } from '../../../src/compile.ts';
import { caseByName } from '../process/cases.ts';

export interface CompileTime {
  readonly target: TargetName;
  readonly model: string;
  readonly ms: number;
  /** Bytes of every emitted file together. */
  readonly bytes: number;
}

const [target = '', model = ''] = process.argv.slice(2);
if (!TARGET_NAMES.includes(target as TargetName)) throw new Error(`usage: compile-time.ts <${TARGET_NAMES.join('|')}> <model>`);
const graph = caseByName(model).graph();
const start = performance.now();
const bundle = compile(graph, { target: target as TargetName });
const ms = performance.now() - start;
const bytes = bundle.files.reduce((sum, file) => sum + (typeof file.contents === 'string' ? Buffer.byteLength(file.contents) : file.contents.byteLength), 0);
const result: CompileTime = { target: target as TargetName, model, ms, bytes };
process.stdout.write(`${JSON.stringify(result)}\n`);
