// The state of one ONNX import: what each ONNX value name stands for (a graph value, or a
// constant whose data is known, kept as data until an op needs it as an operand), and
// fresh names that can never collide with a name the model uses later.

import { CompileError } from '../../../ir/errors.ts';
import { formatValueName } from '../../../ir/names.ts';
import type { GraphBuilder, Value } from '../../builder.ts';
import type { GraphProto } from './proto.ts';
import { I32_EXACT_LIMIT } from '../../../ir/types.ts';
import { BATCH_MARKER } from './int-tensor.ts';
import type { KnownTensor } from './tensor.ts';

/** Integer constant data as i32 lanes: exact within ±2^24; the symbolic batch size cannot be data. */
function intLanes(name: string, values: readonly number[]): Float32Array {
  const bad = values.find((v) => !Number.isInteger(v) || Math.abs(v) > I32_EXACT_LIMIT);
  if (bad !== undefined) {
    throw new CompileError(bad === BATCH_MARKER
      ? `${formatValueName(name)} holds the symbolic batch size, which fusegraph cannot use as tensor data`
      : `${formatValueName(name)} holds ${bad}, outside the i32 range ±${I32_EXACT_LIMIT} fusegraph computes with`);
  }
  return Float32Array.from(values);
}

type Entry =
  | { readonly kind: 'value'; readonly value: Value }
  | { readonly kind: 'const'; readonly tensor: KnownTensor; materialized?: Value };

/** Converts a subgraph into this context (If's branch, one Loop iteration): see subgraph.ts. */
export type SubgraphInliner = (graph: GraphProto, bound: ReadonlyMap<string, string>, hint: string) => string[];

export class ImportContext {
  private readonly entries = new Map<string, Entry>();
  /** For an ONNX Shape's output: the value whose whole shape it is (ConstantOfShape of a symbolic shape reads it). */
  readonly shapeSources = new Map<string, Value>();
  private readonly reserved: Set<string>;
  /** Set by the importer: converting nodes lives there, and control flow needs it. */
  inlineSubgraph: SubgraphInliner = () => {
    throw new CompileError('internal: subgraphs cannot be converted here');
  };

  constructor(
    readonly builder: GraphBuilder,
    readonly opset: number,
    /** Every name the ONNX graph uses, so generated names avoid them. */
    reserved: ReadonlySet<string>,
    /** Values the graph returns: an alias (Identity) of one of them still needs a node. */
    private readonly graphOutputs: ReadonlySet<string>,
  ) {
    this.reserved = new Set(reserved);
  }

  /** Keeps generated names clear of names an inlined subgraph is about to define. */
  reserve(names: Iterable<string>): void {
    for (const name of names) this.reserved.add(name);
  }

  /** A name for a value the importer makes up (a decomposition's temporary). */
  fresh(hint: string): string {
    let candidate = hint;
    // entries too: a name bound to a constant has no graph value the builder would know.
    for (let i = 1; this.reserved.has(candidate) || this.entries.has(candidate) || this.builder.freshName(candidate) !== candidate; i++) candidate = `${hint}_${i}`;
    return candidate;
  }

  isDefined(name: string): boolean {
    return this.entries.has(name);
  }

  private entry(name: string): Entry {
    const entry = this.entries.get(name);
    if (entry === undefined) throw new CompileError(`operand ${formatValueName(name)} is not defined (no graph input, initializer or earlier node makes it)`);
    return entry;
  }

  /** The constant data behind a name, or undefined for a computed value. */
  known(name: string): KnownTensor | undefined {
    const entry = this.entry(name);
    return entry.kind === 'const' ? entry.tensor : undefined;
  }

  /** Float constant data, or undefined. */
  knownFloats(name: string): (KnownTensor & { kind: 'float' }) | undefined {
    const known = this.known(name);
    return known?.kind === 'float' ? known : undefined;
  }

  /** Integer constant values (shapes, axes); a computed value here is refused. */
  knownInts(name: string, what: string): readonly number[] {
    const known = this.known(name);
    if (known === undefined) throw new CompileError(`${what} must be a constant (an initializer or Constant), but ${formatValueName(name)} is computed`);
    if (known.kind !== 'int') throw new CompileError(`${what} must hold integers, but ${formatValueName(name)} holds floats`);
    return known.values;
  }

  /** The graph value for a name; a constant becomes a `const` node the first time. */
  value(name: string): Value {
    const entry = this.entry(name);
    if (entry.kind === 'value') return entry.value;
    if (entry.materialized !== undefined) return entry.materialized;
    const shape = entry.tensor.shape.length === 0 ? [] : entry.tensor.shape;
    const constName = this.builder.freshName(name) === name ? name : this.fresh(name);
    entry.materialized = entry.tensor.kind === 'float'
      ? this.builder.constant(entry.tensor.data, shape, constName)
      : this.builder.constant(intLanes(name, entry.tensor.values), shape, constName, entry.tensor.bool === true ? 'bool' : 'i32');
    return entry.materialized;
  }

  defineValue(name: string, value: Value): void {
    if (this.entries.has(name)) throw new CompileError(`value ${formatValueName(name)} is defined twice`);
    this.entries.set(name, { kind: 'value', value });
  }

  defineConst(name: string, tensor: KnownTensor): void {
    if (this.entries.has(name)) throw new CompileError(`value ${formatValueName(name)} is defined twice`);
    this.entries.set(name, { kind: 'const', tensor });
  }

  /** `name` means the same as `source` (Identity, Dropout at inference). */
  alias(name: string, source: string): void {
    const entry = this.entry(source);
    if (this.graphOutputs.has(name)) {
      this.defineValue(name, this.builder.identity(this.value(source), name));
    } else if (entry.kind === 'const') {
      this.defineConst(name, entry.tensor);
    } else {
      this.defineValue(name, entry.value);
    }
  }

  /** The graph value a returned name stands for, named as the output where it can be. */
  outputValue(name: string): Value {
    const entry = this.entry(name);
    if (entry.kind === 'value') return entry.value.name === name ? entry.value : this.builder.identity(entry.value, this.fresh(name));
    if (entry.materialized === undefined && this.builder.freshName(name) === name) {
      entry.materialized = entry.tensor.kind === 'float'
        ? this.builder.constant(entry.tensor.data, entry.tensor.shape, name)
        : this.builder.constant(intLanes(name, entry.tensor.values), entry.tensor.shape, name, entry.tensor.bool === true ? 'bool' : 'i32');
    }
    return this.value(name);
  }
}
