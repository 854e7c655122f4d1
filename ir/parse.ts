// The parser of the IR text format: reads what ir/print.ts writes in full form (weights as
// `dense<"base64">`) back into an identical graph, and hand-written fixtures (weights as
// `dense<[1, -2.5, nan]>`). Attributes are read by the op's schema; every node is built by
// makeNode, so its annotated type must equal the inferred one. Errors carry line:column.

import { CompileError } from './errors.ts';
import type { Graph, Node, Value } from './graph.ts';
import { formatValueName } from './names.ts';
import { makeNode } from './node.ts';
import { isOpName, type AttrValue, type OpName } from './ops/index.ts';
import { isPending, parseAttrBlock, type ParsedAttr } from './parse-attrs.ts';
import { TextScanner } from './text-scanner.ts';
import { formatType, isDType, monomialDim, sameType, shapeProblem, symbolOf, type Dim, type TensorType } from './types.ts';
import { verifyGraph } from './verify.ts';

export interface ParseOptions {
  /** Shown in error locations (`model.ir:3:7: ...`). */
  readonly file?: string;
}

export function parseGraph(text: string, options: ParseOptions = {}): Graph {
  return new GraphParser(new TextScanner(text, options.file)).parse();
}

class GraphParser {
  private readonly types = new Map<string, TensorType>();
  /** Where each value is defined, to locate verifier diagnostics. */
  private readonly definedAt = new Map<string, number>();

  constructor(private readonly s: TextScanner) {}

  parse(): Graph {
    const s = this.s;
    s.skipBlank();
    const start = s.pos;
    if (s.tryIdentifier() !== 'graph') {
      s.pos = start;
      throw s.error(`expected 'graph' at the start of the text, found ${s.describeNext()}`, start);
    }
    const name = s.name('the graph name');
    const inputs = this.parseParams();
    s.expect('->', 'before the result types');
    const resultsAt = (s.skipBlank(), s.pos);
    const results = this.parseResults();
    s.expect('{', 'to open the graph body');
    const nodes: Node[] = [];
    while (s.peek('%')) nodes.push(this.parseNode());
    const returnAt = (s.skipBlank(), s.pos);
    if (s.tryIdentifier() !== 'return') {
      s.pos = returnAt;
      throw s.error(`expected a node '%name = ...' or 'return', found ${s.describeNext()}`, returnAt);
    }
    const outputs = this.parseReturn();
    s.expect('}', 'to close the graph body');
    if (!s.atEnd()) throw s.error(`unexpected text after the graph: ${s.describeNext()}`);
    this.checkResults(outputs, results, resultsAt);
    const graph: Graph = { name, inputs, nodes, outputs };
    this.verify(graph, returnAt);
    return graph;
  }

  private parseParams(): Value[] {
    const s = this.s;
    s.expect('(', 'before the graph inputs');
    const inputs: Value[] = [];
    if (s.eat(')')) return inputs;
    do {
      const { name, offset } = this.defineName();
      s.expect(':', `after input ${formatValueName(name)}`);
      const type = this.parseType();
      this.types.set(name, type);
      this.definedAt.set(name, offset);
      inputs.push({ name, type });
    } while (s.eat(','));
    s.expect(')', 'after the graph inputs');
    return inputs;
  }

  private parseResults(): TensorType[] {
    const s = this.s;
    if (!s.eat('(')) return [this.parseType()];
    const results: TensorType[] = [];
    if (s.eat(')')) return results;
    do results.push(this.parseType());
    while (s.eat(','));
    s.expect(')', 'after the result types');
    return results;
  }

  /** `%name` being defined: must be new. */
  private defineName(): { name: string; offset: number } {
    const s = this.s;
    s.skipBlank();
    const offset = s.pos;
    s.expect('%', 'before a value name');
    const name = s.name('a value name');
    if (this.types.has(name)) throw s.error(`value ${formatValueName(name)} is defined twice`, offset);
    return { name, offset };
  }

  /** `%name` being used: must be defined above. */
  private useValue(context: string): { name: string; type: TensorType } {
    const s = this.s;
    s.skipBlank();
    const offset = s.pos;
    s.expect('%', context);
    const name = s.name('a value name');
    const type = this.types.get(name);
    if (type === undefined) throw s.error(`${formatValueName(name)} is not defined (values must be defined before use)`, offset);
    return { name, type };
  }

  /** `f32[N,784]`, `i32[N,16]`, `bool[N,S]`: a dtype and dims, a dim being a positive integer or a symbol. */
  private parseType(): TensorType {
    const s = this.s;
    s.skipBlank();
    const start = s.pos;
    const dtype = s.tryIdentifier();
    if (dtype === undefined || !isDType(dtype)) {
      s.pos = start;
      throw s.error(`expected a tensor type such as f32[N,4] (f32, i32 or bool), found ${s.describeNext()}`, start);
    }
    s.expect('[', 'after the dtype');
    const shape: Dim[] = [];
    if (!s.eat(']')) {
      do shape.push(this.parseDim());
      while (s.eat(','));
      s.expect(']', 'after the dims');
    }
    const problem = shapeProblem(shape);
    if (problem !== undefined) throw s.error(problem, start);
    return { dtype, shape };
  }

  /** A positive integer, a symbol, or a monomial `4*N`, `N*S`, `2*N*S` (written in canonical order). */
  private parseDim(): Dim {
    const s = this.s;
    const numeric = s.peekNumber();
    const coeff = numeric ? s.number('a dim') : 1;
    if (numeric && !s.eat('*')) return coeff;
    const symbols = [s.identifier(numeric ? 'a symbol after *' : 'a dim (a positive integer or a symbol)')];
    while (s.eat('*')) symbols.push(s.identifier('a symbol after *'));
    return monomialDim(coeff, symbols);
  }

  private parseNode(): Node {
    const s = this.s;
    const { name, offset } = this.defineName();
    s.expect('=', `after ${formatValueName(name)}`);
    const opAt = (s.skipBlank(), s.pos);
    const op = s.identifier('an op name');
    if (!isOpName(op)) throw s.error(`unknown op '${op}'`, opAt);
    const operands: { name: string; type: TensorType }[] = [];
    if (s.eat('(') && !s.eat(')')) {
      do operands.push(this.useValue(`as an operand of ${op}`));
      while (s.eat(','));
      s.expect(')', `after the operands of ${op}`);
    }
    const attrs = s.peek('{') ? parseAttrBlock(this.s, op) : {};
    s.expect(':', `before the type of ${formatValueName(name)}`);
    const typeAt = (s.skipBlank(), s.pos);
    const type = this.parseType();
    const node = this.build(name, op, operands, this.resolveTensors(attrs, type, typeAt), offset);
    if (!sameType(node.type, type)) {
      throw s.error(`annotated type ${formatType(type)} differs from the inferred ${formatType(node.type)}`, typeAt, { node: name, op });
    }
    this.types.set(name, node.type);
    this.definedAt.set(name, offset);
    return node;
  }

  private build(name: string, op: OpName, operands: { name: string; type: TensorType }[], attrs: Record<string, AttrValue>, offset: number): Node {
    try {
      return makeNode(name, op, operands, attrs);
    } catch (error) {
      if (!(error instanceof CompileError)) throw error;
      const at = this.s.position(offset);
      throw error.withLocation({ ...(this.s.file !== undefined ? { file: this.s.file } : {}), ...at });
    }
  }

  /** Gives constants their shape, the node's annotated type. */
  private resolveTensors(attrs: Record<string, ParsedAttr>, type: TensorType, typeAt: number): Record<string, AttrValue> {
    const out: Record<string, AttrValue> = {};
    for (const [name, value] of Object.entries(attrs)) {
      if (!isPending(value)) {
        out[name] = value;
        continue;
      }
      if (symbolOf(type.shape) !== undefined) throw this.s.error(`a constant needs a static type, got ${formatType(type)}`, typeAt);
      const shape = type.shape as readonly number[];
      const size = shape.reduce((n, d) => n * d, 1);
      if (value.data.length !== size) {
        throw this.s.error(`${formatType(type)} needs ${size} values, the dense data has ${value.data.length}`, value.offset);
      }
      out[name] = type.dtype === 'f32' ? { shape: [...shape], data: value.data } : { shape: [...shape], data: value.data, dtype: type.dtype };
    }
    return out;
  }

  private parseReturn(): string[] {
    const s = this.s;
    const outputs: string[] = [];
    if (s.peek('}')) return outputs;
    do {
      s.skipBlank();
      const at = s.pos;
      const { name } = this.useValue("in 'return'");
      if (outputs.includes(name)) throw s.error(`${formatValueName(name)} is returned twice (output names must be unique)`, at);
      outputs.push(name);
    } while (s.eat(','));
    return outputs;
  }

  private checkResults(outputs: readonly string[], results: readonly TensorType[], at: number): void {
    if (outputs.length !== results.length) {
      throw this.s.error(`the header declares ${results.length} result type(s) but the graph returns ${outputs.length} value(s)`, at);
    }
    outputs.forEach((name, i) => {
      const declared = results[i];
      const actual = this.types.get(name);
      if (declared !== undefined && actual !== undefined && !sameType(declared, actual)) {
        throw this.s.error(`result ${i} is declared ${formatType(declared)} but ${formatValueName(name)} is ${formatType(actual)}`, at);
      }
    });
  }

  /** The verifier as a last check, its first diagnostic located at the node it names. */
  private verify(graph: Graph, returnAt: number): void {
    const [first] = verifyGraph(graph);
    if (first === undefined) return;
    const offset = first.node !== undefined ? (this.definedAt.get(first.node) ?? returnAt) : returnAt;
    const error = new CompileError(first.message, {
      ...(first.node !== undefined ? { node: first.node } : {}),
      ...(first.op !== undefined ? { op: first.op } : {}),
    });
    throw error.withLocation({ ...(this.s.file !== undefined ? { file: this.s.file } : {}), ...this.s.position(offset) });
  }
}
