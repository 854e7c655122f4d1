// Assembles a graph step by step from a recipe of random numbers. A step stages its nodes
// (constants, then the op) and commits them only if makeNode accepts all of them, so every
// generated graph is well typed by construction and a failed step leaves nothing behind.

import { CompileError } from '../../ir/errors.ts';
import type { Graph, Node, Value } from '../../ir/graph.ts';
import { makeNode } from '../../ir/node.ts';
import type { Attrs, OpName } from '../../ir/ops/index.ts';
import { isSymbolic, sizeOf, staticSize, type Shape } from '../../ir/types.ts';
import { Random } from '../../src/random.ts';
import { pickName, type NameStyle } from './names.ts';

/** How a generated constant's data is drawn. */
export type ConstData =
  /** Uniform in ±bound (PyTorch's Linear init uses 1/sqrt(fan_in)). */
  | { readonly kind: 'uniform'; readonly bound: number }
  /** Magnitude in [0.5, 2] with a random sign: safe as a divisor. */
  | { readonly kind: 'away-from-zero' }
  /** i32 ids in [-size, size) (negative ones wrap), for gather. */
  | { readonly kind: 'ids'; readonly size: number };

/** An operand of a staged node: an existing value or a constant to create with it. */
export type Operand = Value | { readonly constShape: readonly number[]; readonly data: ConstData };

function isValue(operand: Operand): operand is Value {
  return 'name' in operand;
}

/** f32 bit patterns worth keeping exactly: NaN payloads (quiet, signalling, negative), -0, subnormals, ±Inf. */
const EDGE_BITS: readonly number[] = [
  0x7fc00000, 0x7fc00001, 0xffc01234, 0x7f800001, 0x80000000, 0x00000001, 0x807fffff, 0x7f800000, 0xff800000, 0x7f7fffff,
];

export class GraphAssembler {
  readonly inputs: Value[] = [];
  readonly nodes: Node[] = [];
  /** Values a step may read: graph inputs and op results (constants are made per use). */
  readonly pool: Value[] = [];
  private readonly taken = new Set<string>();
  private counter = 0;

  constructor(
    private readonly names: NameStyle,
    private readonly weightEdges: boolean,
    /** Whether results may carry symbols off axis 0 (several symbols); else only a batch on axis 0. */
    private readonly symbolsAnywhere = false,
  ) {}

  name(prefix: string, choice: number): string {
    return pickName(prefix, this.counter++, choice, this.names, this.taken);
  }

  addInput(shape: Shape, choice: number): Value {
    const value: Value = { name: this.name('x', choice), type: { dtype: 'f32', shape: [...shape] } };
    this.inputs.push(value);
    this.pool.push(value);
    return value;
  }

  /** The value `pick` chooses among those satisfying `accept`, if any. */
  choose(pick: number, accept: (value: Value) => boolean = () => true): Value | undefined {
    const fits = this.pool.filter(accept);
    return fits.length === 0 ? undefined : fits[pick % fits.length];
  }

  private constData(count: number, spec: ConstData, random: Random): Float32Array {
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      data[i] = spec.kind === 'uniform'
        ? random.uniform(-spec.bound, spec.bound)
        : spec.kind === 'ids' ? Math.floor(random.uniform(-spec.size, spec.size))
          : (random.next() < 0.5 ? -1 : 1) * random.uniform(0.5, 2);
    }
    if (spec.kind === 'ids') return data.map((v) => Math.min(Math.max(v, -spec.size), spec.size - 1));
    if (this.weightEdges && spec.kind === 'uniform') {
      const bits = new Uint32Array(data.buffer);
      for (let i = 0; i < count; i++) {
        if (random.next() < 0.15) bits[i] = EDGE_BITS[Math.floor(random.next() * EDGE_BITS.length)] ?? 0;
      }
    }
    return data;
  }

  /**
   * Stages constants and one `op` node; commits them and returns the result if makeNode
   * accepts the node (and `maxSample`, when given, bounds the size of one sample of its
   * result, so that chains of upsampling ops keep the interpreter fast), else returns
   * undefined and changes nothing.
   */
  tryNode(op: OpName, operands: readonly Operand[], attrs: Attrs, seed: number, maxSample = Infinity): Value | undefined {
    const random = new Random(seed);
    const staged: Node[] = [];
    const counter = this.counter;
    const taken = new Set(this.taken);
    try {
      const values = operands.map((operand) => {
        if (isValue(operand)) return operand;
        const data = this.constData(sizeOf(operand.constShape), operand.data, random);
        const shape = [...operand.constShape];
        const value = operand.data.kind === 'ids' ? { shape, data, dtype: 'i32' as const } : { shape, data };
        const node = makeNode(this.name('c', seed + staged.length), 'const', [], { value });
        staged.push(node);
        return { name: node.name, type: node.type };
      });
      const node = makeNode(this.name('v', seed >>> 3), op, values, attrs);
      if (staticSize(node.type.shape) > maxSample) throw new CompileError(`result ${node.type.shape.join('x')} is over the sample cap`);
      if (!this.symbolsAnywhere && node.type.shape.some((d, axis) => isSymbolic(d) && axis !== 0)) {
        throw new CompileError(`result ${node.type.shape.join('x')} moves the batch off axis 0`);
      }
      if (node.type.shape.filter(isSymbolic).length > 3) throw new CompileError(`result ${node.type.shape.join('x')} has too many symbolic dims`);
      staged.push(node);
      this.nodes.push(...staged);
      const result = { name: node.name, type: node.type };
      this.pool.push(result);
      return result;
    } catch (error) {
      if (!(error instanceof CompileError)) throw error;
      this.counter = counter;
      this.taken.clear();
      for (const name of taken) this.taken.add(name);
      return undefined;
    }
  }

  graph(name: string, outputs: readonly string[]): Graph {
    return { name, inputs: [...this.inputs], nodes: [...this.nodes], outputs: [...outputs] };
  }
}

/** The static dims of a shape (the symbolic batch dropped). */
export function staticDims(shape: Shape): number[] {
  return shape.filter((d): d is number => !isSymbolic(d));
}
