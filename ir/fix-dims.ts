// Fixing symbols at compile time (`compile --dim S=64`): every occurrence of a symbol in the
// graph's types becomes the given size, so the optimizer and the backends see static dims
// (faster kernels, and targets that take one batch symbol accept the rest).

import { CompileError } from './errors.ts';
import type { Graph } from './graph.ts';
import { verifyGraphOrThrow } from './verify.ts';
import type { Attrs } from './ops/types.ts';
import { dimMonomial, isSymbolic, monomialDim, type Shape } from './types.ts';

/** Parses `S=64` (the CLI's form) into a symbol and its size. */
export function parseDimAssignment(text: string): [string, number] {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)=(\d+)$/.exec(text.trim());
  const value = match === null ? NaN : Number(match[2]);
  if (match === null || match[1] === undefined || !Number.isSafeInteger(value) || value < 1) {
    throw new CompileError(`--dim takes SYMBOL=SIZE with a positive integer size, e.g. S=64; got ${JSON.stringify(text)}`);
  }
  return [match[1], value];
}

/** The graph with the given symbols replaced by their sizes; the result is verified. */
export function fixDims(graph: Graph, dims: Readonly<Record<string, number>>): Graph {
  const symbols = new Set(graph.inputs.flatMap((input) => input.type.shape.filter(isSymbolic)));
  for (const [symbol, value] of Object.entries(dims)) {
    if (!symbols.has(symbol)) {
      throw new CompileError(`cannot fix ${symbol}: the graph has no symbol ${symbol} (symbols: ${symbols.size === 0 ? 'none' : [...symbols].join(', ')})`);
    }
    if (!Number.isSafeInteger(value) || value < 1) throw new CompileError(`cannot fix ${symbol} to ${value}: sizes are positive integers`);
  }
  // A monomial dim takes the fixed symbols' sizes into its coefficient: with N = 2, `2*N*S`
  // becomes `4*S`, and a number once all its symbols are fixed.
  const fixDim = (dim: number | string): number | string => {
    if (!isSymbolic(dim)) return dim;
    const { coeff, symbols } = dimMonomial(dim);
    let factor = coeff;
    const open: string[] = [];
    for (const symbol of symbols) {
      const value = Object.hasOwn(dims, symbol) ? dims[symbol] : undefined;
      if (value === undefined) open.push(symbol);
      else factor *= value;
    }
    return monomialDim(factor, open);
  };
  const fix = (shape: Shape): Shape => shape.map(fixDim);
  // A reshape target that names symbols ([S, N, 32]) takes the sizes too.
  const fixAttrs = (attrs: Attrs): Attrs => Object.fromEntries(Object.entries(attrs).map(([name, value]) =>
    [name, Array.isArray(value) && value.some((v) => typeof v === 'string') ? (value as readonly (number | string)[]).map(fixDim) : value]));
  const fixed: Graph = {
    ...graph,
    inputs: graph.inputs.map((input) => ({ ...input, type: { ...input.type, shape: fix(input.type.shape) } })),
    nodes: graph.nodes.map((node) => ({ ...node, attrs: fixAttrs(node.attrs), type: { ...node.type, shape: fix(node.type.shape) } })),
  };
  verifyGraphOrThrow(fixed);
  return fixed;
}
