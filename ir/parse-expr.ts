// Reads the scalar-expression syntax that formatExpr (ir/scalar.ts) writes:
// `select(lt($0, 0), mul(0.2, $0), $0)`, operands `$k`, numbers incl. inf/nan/-0.

import { ARITH_FNS, COMPARE_FNS, UNARY_FNS, type BinaryFn, type ScalarExpr, type UnaryFn } from './scalar.ts';
import type { TextScanner } from './text-scanner.ts';

const UNARY = new Set<string>(UNARY_FNS);
const BINARY = new Set<string>([...ARITH_FNS, ...COMPARE_FNS]);

/** Guards the recursion: a body nested deeper than this is refused, not a stack overflow. */
const MAX_DEPTH = 500;

export function parseScalarExpr(scanner: TextScanner, depth = 0): ScalarExpr {
  if (depth > MAX_DEPTH) throw scanner.error(`scalar expression nested deeper than ${MAX_DEPTH}`);
  scanner.skipBlank();
  const start = scanner.pos;
  if (scanner.eat('$')) {
    const digits = /\d+/y;
    digits.lastIndex = scanner.pos;
    const found = digits.exec(scanner.text);
    if (found === null) throw scanner.error('expected an operand index after $', start);
    scanner.pos += found[0].length;
    return { kind: 'operand', index: Number(found[0]) };
  }
  if (scanner.peekNumber()) return { kind: 'const', value: scanner.number('a constant') };
  const fn = scanner.tryIdentifier();
  if (fn === undefined) throw scanner.error(`expected an operand $k, a number or a function, found ${scanner.describeNext()}`);
  const args = parseArguments(scanner, fn, depth);
  const want = fn === 'select' ? 3 : UNARY.has(fn) ? 1 : BINARY.has(fn) ? 2 : undefined;
  if (want === undefined) {
    throw scanner.error(`unknown function '${fn}' (known: ${[...UNARY_FNS, ...ARITH_FNS, ...COMPARE_FNS, 'select'].join(', ')})`, start);
  }
  if (args.length !== want) throw scanner.error(`${fn} takes ${want} argument${want === 1 ? '' : 's'}, got ${args.length}`, start);
  const [a, b, c] = args as [ScalarExpr, ScalarExpr, ScalarExpr];
  if (fn === 'select') return { kind: 'select', cond: a, ifTrue: b, ifFalse: c };
  if (UNARY.has(fn)) return { kind: 'unary', fn: fn as UnaryFn, arg: a };
  return { kind: 'binary', fn: fn as BinaryFn, lhs: a, rhs: b };
}

function parseArguments(scanner: TextScanner, fn: string, depth: number): ScalarExpr[] {
  scanner.expect('(', `after '${fn}'`);
  const args: ScalarExpr[] = [];
  if (scanner.eat(')')) return args;
  do args.push(parseScalarExpr(scanner, depth + 1));
  while (scanner.eat(','));
  scanner.expect(')', `to close the arguments of '${fn}'`);
  return args;
}
