// The text format round-trips: parse(print(g)) is g, weights bit for bit, and prints the
// same text; hand-written fixtures parse; malformed text fails at the right line:column.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CompileError } from '../../ir/errors.ts';
import { interpret } from '../../ir/interpret.ts';
import { tensorAttr } from '../../ir/ops/index.ts';
import { parseGraph } from '../../ir/parse.ts';
import { printGraph } from '../../ir/print.ts';
import { arbGraph, assertGraphProperty, CNN_OPS } from '../arbitraries.ts';
import { graphDifference } from './graph-equal.ts';

describe('parse(print(g))', () => {
  it('gives back the same graph (weights bit for bit) and the same text', () => {
    assertGraphProperty(arbGraph({ weightEdges: true }), (graph) => {
      const text = printGraph(graph, { weights: 'full' });
      const parsed = parseGraph(text);
      expect(graphDifference(parsed, graph)).toBeUndefined();
      expect(printGraph(parsed, { weights: 'full' })).toBe(text);
      expect(printGraph(parsed)).toBe(printGraph(graph));
    }, { numRuns: 300 });
  });

  it('gives back the same graph for convolutional graphs (every window, region and resize form)', () => {
    assertGraphProperty(arbGraph({ images: true, ops: CNN_OPS, weightEdges: true, maxNodes: 8 }), (graph) => {
      const text = printGraph(graph, { weights: 'full' });
      const parsed = parseGraph(text);
      expect(graphDifference(parsed, graph)).toBeUndefined();
      expect(printGraph(parsed, { weights: 'full' })).toBe(text);
    }, { numRuns: 200 });
  });

  it('keeps NaN payloads, signalling NaNs, -0 and subnormals in weights', () => {
    const data = new Float32Array(6);
    new Uint32Array(data.buffer).set([0x7f800001, 0xffc01234, 0x80000000, 0x00000001, 0x7fc00000, 0x3f800000]);
    const text = `graph g(%x: f32[6]) -> f32[6] {\n  %w = const {value = dense<"${Buffer.from(data.buffer).toString('base64')}">} : f32[6]\n  %y = add(%x, %w) : f32[6]\n  return %y\n}\n`;
    const graph = parseGraph(text);
    const parsed = tensorAttr(graph.nodes[0]?.attrs ?? {}, 'value').data;
    expect(Array.from(new Uint32Array(parsed.buffer))).toEqual(Array.from(new Uint32Array(data.buffer)));
    expect(printGraph(graph, { weights: 'full' })).toBe(text);
  });
});

describe('hand-written IR', () => {
  const fixture = [
    '# a fixture as a person writes it',
    'graph "tiny net"(%"in\\nput": f32[batch,2,3], %s: f32[]) -> (f32[batch,2,3], f32[batch,6]) {',
    '  %w = const {value = dense<[1, -2.5, nan, -0, inf, -inf, 1e-3, 2, 0.5]>} : f32[3,3]',
    '  %slope = const {value = dense<[0.25, 0.5]>} : f32[2]',
    '  %h = linear(%"in\\nput", %w, %slope) {activation = prelu} : f32[batch,2,3]',
    '  %l = leaky_relu(%h) {alpha = -0} : f32[batch,2,3]',
    '  %g = gelu(%l) {approximate = tanh} : f32[batch,2,3]',
    '  %f = fused_elementwise(%g, %s) {body = expr<select(lt($0, -1.5e+30), -inf, mul($0, $1))>} : f32[batch,2,3]',
    '  %t = transpose(%f) {perm = [0, 2, 1]} : f32[batch,3,2]',
    '  %r = reshape(%t) {shape = [-1, 6]} : f32[batch,6]',
    '  %p = softmax(%r) {axis = -1} : f32[batch,6]',
    '  return %h, %p',
    '}',
  ].join('\n');

  it('parses dense lists, inf/nan/-0, quoted names, activations, enums, exprs and int lists', () => {
    const graph = parseGraph(fixture);
    expect(graph.name).toBe('tiny net');
    expect(graph.inputs.map((i) => i.name)).toEqual(['in\nput', 's']);
    const w = Array.from(tensorAttr(graph.nodes[0]?.attrs ?? {}, 'value').data);
    expect(w.slice(0, 2)).toEqual([1, -2.5]);
    expect(Number.isNaN(w[2])).toBe(true);
    expect(Object.is(w[3], -0)).toBe(true);
    expect(w.slice(4, 7)).toEqual([Infinity, -Infinity, Math.fround(1e-3)]);
    expect(graph.nodes.find((n) => n.name === 'h')?.attrs).toEqual({ activation: { op: 'prelu', attrs: {} } });
    expect(Object.is(graph.nodes.find((n) => n.name === 'l')?.attrs['alpha'], -0)).toBe(true);
    expect(graph.nodes.find((n) => n.name === 'g')?.attrs).toEqual({ approximate: 'tanh' });
    expect(graph.outputs).toEqual(['h', 'p']);
    // The text it prints parses back to the same graph.
    expect(graphDifference(parseGraph(printGraph(graph, { weights: 'full' })), graph)).toBeUndefined();
    const out = interpret(graph, { 'in\nput': new Float32Array(12).fill(0.5), s: new Float32Array([2]) });
    expect(out['p']?.length).toBe(12);
  });

  const cnn = [
    'graph cnn(%img: f32[N,3,5,5], %seq: f32[2,2,9]) -> (f32[N,3,3,3], f32[N,6,1,1], f32[2,1,3], f32[N,3,10,10], f32[N,3,6,6]) {',
    '  %dw = const {value = dense<[1, 2, -1]>} : f32[3,1,1,1]',
    '  %b = const {value = dense<[0, 0.5, 1]>} : f32[3]',
    '  %c = conv(%img, %dw, %b, %img) {group = 3, residual = 1, activation = clip(min = 0, max = 6)} : f32[N,3,5,5]',
    '  %mp = max_pool(%c) {kernel_shape = [2, 2], strides = [2, 2], ceil_mode = 1} : f32[N,3,3,3]',
    '  %ap = avg_pool(%c) {kernel_shape = [3, 3], pads = [1, 1, 1, 1], count_include_pad = 1} : f32[N,3,5,5]',
    '  %cat = concat(%ap, %c) {axis = 1} : f32[N,6,5,5]',
    '  %gap = reduce_mean(%cat) {axes = [-2, -1]} : f32[N,6,1,1]',
    '  %k = const {value = dense<[1, 0, -1, 0.5, 0.5, 0.5]>} : f32[1,2,3]',
    '  %c1 = conv(%seq, %k) {strides = [2], pads = [1, 0], dilations = [2]} : f32[2,1,3]',
    '  %up = resize(%c) {sizes = [10, 10], mode = linear, coordinate_transformation_mode = align_corners} : f32[N,3,10,10]',
    '  %flip = slice(%up) {starts = [-1, 2147483647], ends = [-2147483647, 0], axes = [3, -2], steps = [-2, -3]} : f32[N,3,3,5]',
    '  %hs = hard_swish(%flip) : f32[N,3,3,5]',
    '  %p = pad(%hs) {pads = [0, 0, 1, 0, 0, 0, 2, 1], mode = reflect} : f32[N,3,6,6]',
    '  return %mp, %gap, %c1, %up, %p',
    '}',
  ].join('\n');

  it('parses every CNN op and prints it back to the same graph', () => {
    const graph = parseGraph(cnn);
    expect(graph.nodes.find((n) => n.name === 'c')?.attrs).toEqual({
      strides: [], pads: [], dilations: [], group: 3, activation: { op: 'clip', attrs: { min: 0, max: 6 } }, residual: 1,
    });
    expect(graph.nodes.find((n) => n.name === 'up')?.attrs['nearest_mode']).toBe('round_prefer_floor');
    expect(graphDifference(parseGraph(printGraph(graph, { weights: 'full' })), graph)).toBeUndefined();
    const img = new Float32Array(2 * 75).map((_, i) => (i % 7) - 3);
    const out = interpret(graph, { img, seq: new Float32Array(36).fill(1) });
    // Depthwise 1×1 conv, + bias + residual, then ReLU6: channel 1 is clip(3x + 0.5, 0, 6).
    expect(out['up']?.[100]).toBe(Math.min(6, Math.max(0, 3 * (img[25] ?? 0) + 0.5)));
    // The 1-D conv on ones: taps at 2·o − 1 + 2t inside [0, 9) for each of the 2 channels.
    expect(Array.from(out['c1'] ?? []).slice(0, 3)).toEqual([0, 1, 2].map((o) => {
      let sum = 0;
      for (let t = 0; t < 3; t++) {
        const i = 2 * o - 1 + 2 * t;
        if (i >= 0 && i < 9) sum += [1, 0, -1][t]! + [0.5, 0.5, 0.5][t]!;
      }
      return sum;
    }));
  });

  it('fills defaults the text leaves out', () => {
    const graph = parseGraph('graph g(%x: f32[N,4]) -> f32[N,4] {\n  %y = elu(%x) : f32[N,4]\n  return %y\n}');
    expect(graph.nodes[0]?.attrs).toEqual({ alpha: 1 });
  });
});

/** 1-based line and column of the first `needle` in `text` (after `skip` earlier hits). */
function at(text: string, needle: string, skip = 0): { line: number; column: number } {
  let index = text.indexOf(needle);
  for (let i = 0; i < skip; i++) index = text.indexOf(needle, index + 1);
  if (index < 0) throw new Error(`${needle} not in the text`);
  const before = text.slice(0, index).split('\n');
  return { line: before.length, column: (before[before.length - 1]?.length ?? 0) + 1 };
}

function parseError(text: string): CompileError {
  try {
    parseGraph(text, { file: 'bad.ir' });
  } catch (error) {
    if (error instanceof CompileError) return error;
    throw error;
  }
  throw new Error(`parsed without error:\n${text}`);
}

const BASE = [
  'graph g(%x: f32[N,3]) -> f32[N,2] {',
  '  %w = const {value = dense<[1, 2, 3, 4, 5, 6]>} : f32[2,3]',
  '  %y = linear(%x, %w) : f32[N,2]',
  '  return %y',
  '}',
  '',
].join('\n');

describe('parse errors', () => {
  // [what, replace, by, where in the new text, message fragment]
  const cases: [string, string, string, string, string][] = [
    ['unknown op', 'linear(', 'lineer(', 'lineer', "unknown op 'lineer'"],
    ['undefined operand', '(%x, %w)', '(%x, %q)', '%q', '%q is not defined'],
    ['annotated type differs', ') : f32[N,2]', ') : f32[N,3]', 'f32[N,3]\n', 'differs from the inferred f32[N,2]'],
    ['dense count', '[1, 2, 3, 4, 5, 6]', '[1, 2]', 'dense', 'needs 6 values, the dense data has 2'],
    ['elided weights', 'dense<[1, 2, 3, 4, 5, 6]>', 'elided<min = 1, max = 6, mean = 3.5>', 'elided', '--full'],
    ['bad number', '[1, 2, 3', '[1, two, 3', 'two', 'a number'],
    ['unterminated string', '%w = const', '%"w = const', '"w', 'unterminated string'],
    ['duplicate value', '%y = linear', '%w = linear', '%w = linear', 'defined twice'],
    ['zero dim', 'f32[N,3]', 'f32[N,0]', 'f32[N,0]', 'dim 1 must be a positive integer'],
    ['too large', 'f32[N,3]', 'f32[N,65536,65536]', 'f32[N,65536', 'more than 268435456 elements'],
    ['unknown attribute', '%w) :', '%w) {alpha = 1} :', 'alpha', "unknown attribute 'alpha'"],
    ['wrong arity', 'linear(%x, %w)', 'linear(%x)', '%y', 'expects 2 to 4 operands, got 1'],
    ['wrong in-features', 'f32[N,3]) ->', 'f32[N,4]) ->', '%y', 'needs input f32[*,3], got f32[N,4]'],
    ['header type', '-> f32[N,2]', '-> f32[N,5]', 'f32[N,5]', 'declared f32[N,5]'],
    ['missing return', '  return %y\n', '', '}\n', "expected a node '%name = ...' or 'return'"],
    ['text after the graph', '}\n', '}\nextra\n', 'extra', 'unexpected text after the graph'],
    ['bad base64', 'dense<[1, 2, 3, 4, 5, 6]>', 'dense<"AAAA!AAA">', '"AAAA', 'base64'],
    ['constant with a batch', 'f32[2,3]\n', 'f32[N,3]\n', 'f32[N,3]\n  %y', 'a constant needs a static type'],
    ['not a graph', 'graph g', 'grapf g', 'grapf', "expected 'graph'"],
    ['not a graph after a comment', 'graph g', '# model\n  grapf g', 'grapf', "expected 'graph'"],
  ];
  it.each(cases)('%s', (_what, replace, by, where, fragment) => {
    const text = BASE.replace(replace, by);
    const error = parseError(text);
    expect(error.message).toContain(fragment);
    const { line, column } = at(text, where);
    expect({ line: error.location.line, column: error.location.column }).toEqual({ line, column });
    expect(error.message.startsWith(`bad.ir:${line}:${column}: `)).toBe(true);
  });

  const exprCases: [string, string, string][] = [
    ['unknown function', 'foo($0)', "unknown function 'foo'"],
    ['operand without index', 'add($, 1)', 'operand index'],
    ['wrong argument count', 'select(lt($0, 0), 1)', 'select takes 3 arguments, got 2'],
    ['ill-typed body', 'add(lt($0, 0), 1)', 'add needs numbers, got a comparison'],
    ['operand out of range', 'add($0, $3)', 'operand $3 does not exist'],
  ];
  it.each(exprCases)('expression: %s', (_what, body, fragment) => {
    const text = `graph g(%x: f32[2]) -> f32[2] {\n  %y = fused_elementwise(%x) {body = expr<${body}>} : f32[2]\n  return %y\n}\n`;
    const error = parseError(text);
    expect(error.message).toContain(fragment);
    expect(error.location.line).toBe(2);
  });

  it('bad attribute values name the node', () => {
    const error = parseError('graph g(%x: f32[2]) -> f32[2] {\n  %e = elu(%x) {alpha = -1} : f32[2]\n  return %e\n}\n');
    expect(error.message).toBe("bad.ir:2:3: %e (elu): attribute 'alpha' must be a finite number >= 0");
  });

  it('never throws anything but a CompileError on mangled text', () => {
    const good = printGraph(parseGraph(BASE), { weights: 'full' });
    fc.assert(fc.property(fc.nat({ max: good.length }), fc.nat({ max: 8 }), fc.string({ maxLength: 3 }), (cut, drop, insert) => {
      const text = good.slice(0, cut) + insert + good.slice(cut + drop);
      try {
        parseGraph(text);
      } catch (error) {
        expect(error).toBeInstanceOf(CompileError);
      }
    }), { numRuns: 500 });
  });
});
