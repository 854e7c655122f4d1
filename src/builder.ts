// The low-level graph builder: a DAG of named values with shape inference at each step.
// Front ends and the PyTorch-like API (src/nn.ts) produce graphs only through it.

import { CompileError } from '../ir/errors.ts';
import type { Graph, Node, Value } from '../ir/graph.ts';
import { makeNode } from '../ir/node.ts';
import type { Activation, Attrs, OpName } from '../ir/ops/index.ts';
import { formatValueName } from '../ir/names.ts';
import { checkShape, type Shape } from '../ir/types.ts';
import { verifyGraphOrThrow } from '../ir/verify.ts';

export type { Value };

export class GraphBuilder {
  private readonly inputs: Value[] = [];
  private readonly nodes: Node[] = [];
  private readonly outputs: string[] = [];
  private readonly used = new Set<string>();
  private counter = 0;

  constructor(readonly name: string) {}

  /** A fresh name: `hint` if free, else `hint_1`, `hint_2`, … */
  freshName(hint = 't'): string {
    if (!this.used.has(hint)) return hint;
    for (;;) {
      const candidate = `${hint}_${++this.counter}`;
      if (!this.used.has(candidate)) return candidate;
    }
  }

  private claim(name: string | undefined, hint: string): string {
    if (name === undefined) return this.claim(this.freshName(hint), hint);
    if (this.used.has(name)) throw new CompileError(`value ${formatValueName(name)} is defined twice`, { node: name });
    this.used.add(name);
    return name;
  }

  input(name: string, shape: Shape): Value {
    checkShape(shape, { node: name });
    const value: Value = { name: this.claim(name, name), type: { dtype: 'f32', shape: [...shape] } };
    this.inputs.push(value);
    return value;
  }

  constant(data: Float32Array, shape: readonly number[], name?: string): Value {
    return this.op('const', [], { value: { shape: [...shape], data } }, name ?? this.freshName('c'));
  }

  op(op: OpName, inputs: readonly Value[], attrs: Attrs = {}, name?: string): Value {
    const node = makeNode(name ?? this.freshName(op), op, inputs, attrs);
    this.claim(node.name, op);
    this.nodes.push(node);
    return { name: node.name, type: node.type };
  }

  output(...values: readonly Value[]): void {
    for (const value of values) this.outputs.push(value.name);
  }

  /** The finished graph, verified. */
  build(): Graph {
    const graph: Graph = { name: this.name, inputs: [...this.inputs], nodes: [...this.nodes], outputs: [...this.outputs] };
    verifyGraphOrThrow(graph);
    return graph;
  }

  // Convenience wrappers, one per op, so models read like PyTorch.

  linear(x: Value, weight: Value, bias?: Value, activation?: Activation, params: readonly Value[] = [], name?: string): Value {
    const operands = bias ? [x, weight, bias, ...params] : [x, weight, ...params];
    return this.op('linear', operands, activation ? { activation } : {}, name);
  }
  matmul(a: Value, b: Value, name?: string): Value { return this.op('matmul', [a, b], {}, name); }
  add(a: Value, b: Value, name?: string): Value { return this.op('add', [a, b], {}, name); }
  sub(a: Value, b: Value, name?: string): Value { return this.op('sub', [a, b], {}, name); }
  mul(a: Value, b: Value, name?: string): Value { return this.op('mul', [a, b], {}, name); }
  div(a: Value, b: Value, name?: string): Value { return this.op('div', [a, b], {}, name); }
  relu(x: Value, name?: string): Value { return this.op('relu', [x], {}, name); }
  leakyRelu(x: Value, alpha = 0.01, name?: string): Value { return this.op('leaky_relu', [x], { alpha }, name); }
  prelu(x: Value, slope: Value, name?: string): Value { return this.op('prelu', [x, slope], {}, name); }
  elu(x: Value, alpha = 1, name?: string): Value { return this.op('elu', [x], { alpha }, name); }
  sigmoid(x: Value, name?: string): Value { return this.op('sigmoid', [x], {}, name); }
  tanh(x: Value, name?: string): Value { return this.op('tanh', [x], {}, name); }
  gelu(x: Value, approximate: 'none' | 'tanh' = 'none', name?: string): Value {
    return this.op('gelu', [x], { approximate }, name);
  }
  silu(x: Value, name?: string): Value { return this.op('silu', [x], {}, name); }
  softmax(x: Value, axis = -1, name?: string): Value { return this.op('softmax', [x], { axis }, name); }
  identity(x: Value, name?: string): Value { return this.op('identity', [x], {}, name); }
  dropout(x: Value, p = 0.5, name?: string): Value { return this.op('dropout', [x], { p }, name); }
  reshape(x: Value, shape: readonly number[], name?: string): Value { return this.op('reshape', [x], { shape: [...shape] }, name); }
  flatten(x: Value, axis = 1, name?: string): Value { return this.op('flatten', [x], { axis }, name); }
  transpose(x: Value, perm: readonly number[], name?: string): Value { return this.op('transpose', [x], { perm: [...perm] }, name); }
}
