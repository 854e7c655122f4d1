// Rewrite rules as data: a rule looks at one node through a read-only view of the graph and
// either declines or says what replaces it. The engine (rewrite-engine.ts) applies them to a
// fixpoint; rules never edit the graph themselves.

import type { Node } from '../../ir/graph.ts';
import { isTensorData, type Attrs, type OpName, type TensorData } from '../../ir/ops/index.ts';
import type { DType, TensorType } from '../../ir/types.ts';

/** A node to create: the engine names it (unless `name` is given) and infers its type. */
export interface NodeSpec {
  readonly op: OpName;
  readonly inputs: readonly string[];
  readonly attrs?: Attrs;
  /** A name reserved with `view.freshName`; the last spec of a rewrite takes the matched name. */
  readonly name?: string;
}

export type Rewrite =
  /** New nodes, in order; the last one defines the matched value (same name, same type). */
  | { readonly replace: readonly NodeSpec[] }
  /** Every reader of the matched value reads this (same-typed) value instead. */
  | { readonly forward: string };

export interface GraphView {
  /** The node defining a value; undefined for graph inputs. */
  producer(name: string): Node | undefined;
  type(name: string): TensorType;
  /** Operand reads of the value plus one per graph output naming it. */
  useCount(name: string): number;
  /** The nodes reading the value (each once). */
  readers(name: string): Node[];
  isOutput(name: string): boolean;
  /** The data of a `const` value, else undefined. */
  constant(name: string): TensorData | undefined;
  /** A name no value has, reserved for a node of the rewrite. */
  freshName(hint: string): string;
}

export interface RewriteRule {
  /** Shown in errors and debugging; the pattern itself is written in the comment above. */
  readonly name: string;
  match(node: Node, view: GraphView): Rewrite | undefined;
}

/** A `const` node spec holding `data` of `shape`. */
export function constSpec(shape: readonly number[], data: Float32Array, name?: string, dtype: DType = 'f32'): NodeSpec {
  const value: TensorData = dtype === 'f32' ? { shape: [...shape], data } : { shape: [...shape], data, dtype };
  return name === undefined ? { op: 'const', inputs: [], attrs: { value } } : { op: 'const', inputs: [], attrs: { value }, name };
}

/** The data of a `const` node. */
export function constData(node: Node | undefined): TensorData | undefined {
  if (node?.op !== 'const') return undefined;
  const value = node.attrs['value'];
  return isTensorData(value) ? value : undefined;
}

/** True when every read of the value is an operand of `user` (once or more) and it is not returned. */
export function onlyUsedBy(view: GraphView, name: string, user: Node): boolean {
  const reads = user.inputs.filter((input) => input === name).length;
  return !view.isOutput(name) && view.useCount(name) === reads;
}
