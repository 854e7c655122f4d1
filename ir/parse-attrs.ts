// Attribute blocks of the IR text format, read by the op's schema: numbers, int lists,
// enums, fused activations, scalar bodies (`expr<...>`) and constants (`dense<...>`). A
// constant's data waits for the node's type, which gives its shape (see parse.ts).

import { monomialDim } from './types.ts';
import { activationDef, OPS, type AttrSpec, type AttrValue, type OpName } from './ops/index.ts';
import { parseScalarExpr } from './parse-expr.ts';
import type { TextScanner } from './text-scanner.ts';
import { decodeWeights } from './weights-codec.ts';

/** A constant's data, read before the node's type (which gives its shape) is known. */
export interface PendingTensor {
  readonly pending: 'tensor';
  readonly data: Float32Array;
  readonly offset: number;
}

export type ParsedAttr = AttrValue | PendingTensor;

export function isPending(value: ParsedAttr): value is PendingTensor {
  return typeof value === 'object' && value !== null && 'pending' in value;
}

/** `{name = value, ...}` of `op`. */
export function parseAttrBlock(s: TextScanner, op: string): Record<string, ParsedAttr> {
  s.expect('{', 'to open the attributes');
  const attrs = s.eat('}') ? {} : parseAttrList(s, op, OPS[op as OpName].attrs, '}');
  if (Object.keys(attrs).length > 0) s.expect('}', `to close the attributes of ${op}`);
  return attrs;
}

/** `name = value, ...` read by `schema`, up to (not including) `close`. */
function parseAttrList(s: TextScanner, op: string, schema: Readonly<Record<string, AttrSpec>>, close: string): Record<string, ParsedAttr> {
  const attrs: Record<string, ParsedAttr> = {};
  do {
    s.skipBlank();
    const at = s.pos;
    const name = s.identifier('an attribute name');
    const spec = Object.hasOwn(schema, name) ? schema[name] : undefined;
    if (spec === undefined) {
      const known = Object.keys(schema);
      throw s.error(`unknown attribute '${name}' (${op} takes ${known.length > 0 ? known.join(', ') : 'no attributes'})`, at);
    }
    if (Object.hasOwn(attrs, name)) throw s.error(`attribute '${name}' is given twice`, at);
    s.expect('=', `after attribute '${name}'`);
    attrs[name] = parseAttrValue(s, name, spec);
  } while (s.eat(','));
  if (!s.peek(close)) throw s.error(`expected ',' or '${close}' after an attribute, found ${s.describeNext()}`);
  return attrs;
}

function parseAttrValue(s: TextScanner, name: string, spec: AttrSpec): ParsedAttr {
  switch (spec.type) {
    case 'float':
    case 'int':
      return s.number(`attribute '${name}'`);
    case 'ints': {
      s.expect('[', `to open the list of attribute '${name}'`);
      return numberList(s, `attribute '${name}'`);
    }
    case 'dims': {
      s.expect('[', `to open the list of attribute '${name}'`);
      return dimList(s, `attribute '${name}'`);
    }
    case 'enum':
      return s.peek('"') ? s.string(`attribute '${name}'`) : s.identifier(`attribute '${name}' (one of ${spec.values.join(', ')})`);
    case 'activation':
      return parseActivation(s);
    case 'expr': {
      s.skipBlank();
      const at = s.pos;
      if (s.tryIdentifier() !== 'expr') throw s.error(`expected expr<...> for attribute '${name}'`, at);
      s.expect('<', "after 'expr'");
      const body = parseScalarExpr(s);
      s.expect('>', 'to close the expression');
      return body;
    }
    case 'tensor':
      return parseTensor(s, name);
  }
}

/** `[0, S, 4*N, -1]` after its `[`: integers and symbolic dims (canonical monomials). */
function dimList(s: TextScanner, what: string): (number | string)[] {
  const values: (number | string)[] = [];
  if (s.eat(']')) return values;
  do {
    const numeric = s.peekNumber();
    const coeff = numeric ? s.number(what) : 1;
    if (numeric && !s.eat('*')) {
      values.push(coeff);
      continue;
    }
    const symbols = [s.identifier(numeric ? 'a symbol after *' : what)];
    while (s.eat('*')) symbols.push(s.identifier('a symbol after *'));
    values.push(monomialDim(coeff, symbols));
  } while (s.eat(','));
  s.expect(']', `to close the list of ${what}`);
  return values;
}

/** `[1, -2.5, nan]` after its `[`. */
function numberList(s: TextScanner, what: string): number[] {
  const values: number[] = [];
  if (s.eat(']')) return values;
  do values.push(s.number(what));
  while (s.eat(','));
  s.expect(']', `to close the list of ${what}`);
  return values;
}

function parseActivation(s: TextScanner): AttrValue {
  s.skipBlank();
  const at = s.pos;
  const op = s.identifier('an activation op');
  const def = activationDef(op);
  if (def === undefined) throw s.error(`'${op}' is not an activation op`, at);
  if (!s.eat('(')) return { op, attrs: {} };
  const attrs = s.peek(')') ? {} : parseAttrList(s, op, def.attrs, ')');
  s.expect(')', `to close the attributes of ${op}`);
  return { op, attrs: attrs as Record<string, AttrValue> };
}

function parseTensor(s: TextScanner, name: string): PendingTensor {
  s.skipBlank();
  const offset = s.pos;
  const form = s.tryIdentifier();
  if (form === 'elided') {
    throw s.error(`the weights of attribute '${name}' are elided; print the graph with --full (printGraph(g, { weights: 'full' })) to keep them`, offset);
  }
  if (form !== 'dense') throw s.error(`expected dense<"base64"> or dense<[numbers]> for attribute '${name}'`, offset);
  s.expect('<', "after 'dense'");
  let data: Float32Array;
  if (s.eat('[')) {
    data = Float32Array.from(numberList(s, 'constant values'));
  } else {
    s.skipBlank();
    const at = s.pos;
    const problem = decodeWeights(s.string('base64 weights'));
    if (typeof problem === 'string') throw s.error(problem, at);
    data = problem;
  }
  s.expect('>', 'to close the dense data');
  return { pending: 'tensor', data, offset };
}
