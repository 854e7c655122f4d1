// One ONNX node as the converters see it: its operands, results and typed attribute
// reads with defaults. Wrong attribute types are the model's fault: a CompileError.

import { CompileError } from '../../../ir/errors.ts';
import { AttributeType, type AttributeProto, type GraphProto, type NodeProto } from './proto.ts';
import { readTensor, type KnownTensor } from './tensor.ts';

export class NodeView {
  /** The node's name for messages: its own name, else its first output. */
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  /** Operand names; '' marks an omitted optional operand. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  private readonly attributes: ReadonlyMap<string, AttributeProto>;

  constructor(readonly proto: NodeProto) {
    this.name = proto.name !== '' ? proto.name : (proto.output[0] ?? proto.op_type);
    this.opType = proto.op_type;
    this.domain = proto.domain === 'ai.onnx' ? '' : proto.domain;
    this.inputs = proto.input;
    this.outputs = proto.output;
    this.attributes = new Map(proto.attribute.map((a) => [a.name, a]));
  }

  /** The single result every supported op defines. */
  get output(): string {
    const out = this.outputs[0];
    if (out === undefined || out === '') throw new CompileError('node has no output');
    return out;
  }

  has(name: string): boolean {
    return this.attributes.has(name);
  }

  private get(name: string, type: AttributeType, what: string): AttributeProto | undefined {
    const attr = this.attributes.get(name);
    if (attr === undefined) return undefined;
    if (attr.ref_attr_name !== '') throw new CompileError(`attribute '${name}' refers to a function attribute, which fusegraph does not support`);
    if (attr.type !== type && attr.type !== AttributeType.UNDEFINED) {
      throw new CompileError(`attribute '${name}' must be ${what}, found attribute type ${attr.type}`);
    }
    return attr;
  }

  float(name: string, fallback: number): number {
    return this.get(name, AttributeType.FLOAT, 'a float')?.f ?? fallback;
  }

  int(name: string, fallback: number): number {
    const value = this.get(name, AttributeType.INT, 'an int')?.i ?? fallback;
    if (!Number.isSafeInteger(value)) throw new CompileError(`attribute '${name}' is out of range: ${value}`);
    return value;
  }

  ints(name: string): number[] | undefined {
    const attr = this.get(name, AttributeType.INTS, 'a list of ints');
    if (attr === undefined) return undefined;
    if (attr.ints.some((v) => !Number.isSafeInteger(v))) throw new CompileError(`attribute '${name}' holds an out-of-range integer`);
    return [...attr.ints];
  }

  floats(name: string): number[] | undefined {
    const attr = this.get(name, AttributeType.FLOATS, 'a list of floats');
    return attr === undefined ? undefined : [...attr.floats];
  }

  string(name: string, fallback: string): string {
    const attr = this.get(name, AttributeType.STRING, 'a string');
    return attr === undefined ? fallback : new TextDecoder().decode(attr.s);
  }

  strings(name: string): string[] | undefined {
    const attr = this.get(name, AttributeType.STRINGS, 'a list of strings');
    return attr === undefined ? undefined : attr.strings.map((bytes) => new TextDecoder().decode(bytes));
  }

  tensor(name: string): KnownTensor | undefined {
    const attr = this.get(name, AttributeType.TENSOR, 'a tensor');
    if (attr === undefined) return undefined;
    if (attr.t === undefined) throw new CompileError(`attribute '${name}' holds no tensor`);
    return readTensor(attr.t, `attribute '${name}'`);
  }

  /**
   * The same node in another form (an older opset's attributes moved to inputs): other
   * operands, attributes dropped or added, possibly another op type.
   */
  rewritten(changes: { inputs?: readonly string[]; drop?: readonly string[]; add?: readonly AttributeProto[]; opType?: string }): NodeView {
    const drop = new Set([...(changes.drop ?? []), ...(changes.add ?? []).map((a) => a.name)]);
    return new NodeView({
      ...this.proto,
      op_type: changes.opType ?? this.proto.op_type,
      input: [...(changes.inputs ?? this.proto.input)],
      attribute: [...this.proto.attribute.filter((a) => !drop.has(a.name)), ...(changes.add ?? [])],
    });
  }

  /** A subgraph attribute (If's branches, Loop's body). */
  graph(name: string): GraphProto | undefined {
    const attr = this.get(name, AttributeType.GRAPH, 'a graph');
    if (attr === undefined) return undefined;
    if (attr.g === undefined || attr.g === null) throw new CompileError(`attribute '${name}' holds no graph`);
    return attr.g;
  }

  /** Names of attributes present, for refusing ones fusegraph cannot honour. */
  attributeNames(): string[] {
    return [...this.attributes.keys()];
  }
}
