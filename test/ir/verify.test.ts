// The verifier accepts every generated graph and rejects targeted corruptions with a
// diagnostic that names the node and says what was expected and found.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Graph, Node } from '../../ir/graph.ts';
import { formatValueName } from '../../ir/names.ts';
import { makeNode } from '../../ir/node.ts';
import { OPS, type Attrs, type OpName } from '../../ir/ops/index.ts';
import { MAX_TENSOR_ELEMENTS, type Shape } from '../../ir/types.ts';
import { formatDiagnostic, verifyGraph, type Diagnostic } from '../../ir/verify.ts';
import { arbGraph, assertGraphProperty } from '../arbitraries.ts';

function replaceNode(graph: Graph, index: number, change: (node: Node) => Node): Graph {
  return { ...graph, nodes: graph.nodes.map((node, i) => (i === index ? change(node) : node)) };
}

/** The diagnostics naming `name`, as the CLI would print them. */
function about(diagnostics: readonly Diagnostic[], name: string): string[] {
  return diagnostics.filter((d) => d.node === name).map(formatDiagnostic);
}

const graphAndPick = fc.tuple(arbGraph(), fc.nat());
const NUM_RUNS = 150;

describe('verifier on random graphs', () => {
  it('accepts every generated graph', () => {
    assertGraphProperty(arbGraph(), (graph) => {
      expect(verifyGraph(graph)).toEqual([]);
    }, { numRuns: NUM_RUNS });
  });

  it('rejects a node whose type is wrong', () => {
    assertGraphProperty(graphAndPick, ([graph, pick]) => {
      const k = pick % graph.nodes.length;
      const node = graph.nodes[k] as Node;
      const shape: Shape = node.type.shape.length === 0 ? [2] : [...node.type.shape.slice(0, -1), (node.type.shape.at(-1) as number) + 1];
      const messages = about(verifyGraph(replaceNode(graph, k, (n) => ({ ...n, type: { dtype: 'f32', shape } }))), node.name);
      expect(messages.join('\n')).toMatch(/does not match the op's result|needs \d+ values/);
      expect(messages[0]).toContain(formatValueName(node.name));
    }, { numRuns: NUM_RUNS });
  });

  it('rejects a dangling operand', () => {
    assertGraphProperty(graphAndPick, ([graph, pick]) => {
      const readers = graph.nodes.map((n, i) => [n, i] as const).filter(([n]) => n.inputs.length > 0);
      const [node, k] = readers[pick % readers.length] as readonly [Node, number];
      const broken = replaceNode(graph, k, (n) => ({ ...n, inputs: ['no such value', ...n.inputs.slice(1)] }));
      expect(about(verifyGraph(broken), node.name).join('\n')).toContain('operand %"no such value" is not defined');
    }, { numRuns: NUM_RUNS });
  });

  it('rejects a cycle', () => {
    assertGraphProperty(graphAndPick, ([graph, pick]) => {
      // Make a node read a later node that reads it back (or itself when there is none).
      const readers = graph.nodes.map((n, i) => [n, i] as const).filter(([n]) => n.inputs.length > 0);
      const [node, k] = readers[pick % readers.length] as readonly [Node, number];
      const later = graph.nodes.find((n, i) => i > k && n.inputs.includes(node.name));
      const target = later?.name ?? node.name;
      const broken = replaceNode(graph, k, (n) => ({ ...n, inputs: [target, ...n.inputs.slice(1)] }));
      const messages = about(verifyGraph(broken), node.name).join('\n');
      expect(messages).toContain(`cycle: ${formatValueName(node.name)} -> `);
    }, { numRuns: NUM_RUNS });
  });

  it('rejects a value defined twice, an unknown op, a wrong arity and an undefined output', () => {
    assertGraphProperty(graphAndPick, ([graph, pick]) => {
      const k = pick % graph.nodes.length;
      const node = graph.nodes[k] as Node;
      const first = graph.inputs[0]?.name ?? '';
      const duplicate = replaceNode(graph, k, (n) => ({ ...n, name: first }));
      expect(about(verifyGraph(duplicate), first).join('\n')).toContain('is defined twice');

      const unknown = replaceNode(graph, k, (n) => ({ ...n, op: 'conv2d' as OpName }));
      expect(about(verifyGraph(unknown), node.name)).toEqual([`${formatValueName(node.name)} (conv2d): unknown op 'conv2d'`]);

      const arity = OPS[node.op].arity;
      if (arity.max !== Infinity) {
        const extra = Array.from({ length: arity.max + 1 - node.inputs.length }, () => first);
        const tooMany = replaceNode(graph, k, (n) => ({ ...n, inputs: [...n.inputs, ...extra] }));
        expect(about(verifyGraph(tooMany), node.name).join('\n')).toMatch(/expects .*operands, got \d+/);
      }
      const undefinedOutput = { ...graph, outputs: [...graph.outputs, 'ghost'] };
      expect(about(verifyGraph(undefinedOutput), 'ghost')).toEqual(['%ghost: returned value is not defined']);
    }, { numRuns: NUM_RUNS });
  });
});

/** A node built by hand, bypassing makeNode's checks, reading `x: f32[N,4]`. */
function rawNode(op: string, attrs: Attrs, type: Shape = ['N', 4], inputs = ['x']): Node {
  return { name: 'bad', op: op as OpName, inputs, attrs, type: { dtype: 'f32', shape: type } };
}

function graphWith(node: Node, inputShape: Shape = ['N', 4]): Graph {
  return { name: 'g', inputs: [{ name: 'x', type: { dtype: 'f32', shape: inputShape } }], nodes: [node], outputs: [node.name] };
}

describe('verifier on targeted corruptions', () => {
  const attrCases: [string, Node, string][] = [
    ['negative elu alpha', rawNode('elu', { alpha: -1 }), "attribute 'alpha' must be a finite number >= 0"],
    ['dropout p = 1', rawNode('dropout', { p: 1 }), "attribute 'p' must be in [0, 1)"],
    ['NaN alpha', rawNode('leaky_relu', { alpha: NaN }), "attribute 'alpha' must not be NaN"],
    ['softmax axis out of range', rawNode('softmax', { axis: 2 }), 'axis 2 is out of range for rank 2 (expected -2..1)'],
    ['non-integer axis', rawNode('softmax', { axis: 0.5 }), "attribute 'axis' expected an integer"],
    ['unknown enum value', rawNode('gelu', { approximate: 'fast' }), "attribute 'approximate' expected one of none, tanh"],
    ['unknown attribute', rawNode('relu', { alpha: 1 }), "unknown attribute 'alpha' (relu takes no attributes)"],
    ['two -1 in reshape', rawNode('reshape', { shape: [-1, -1] }), 'at most one -1'],
    ['bad perm', rawNode('transpose', { perm: [0, 0] }), 'is not a permutation'],
    ['reshape target not derivable from the symbols', rawNode('reshape', { shape: [-1, 3] }, ['N', 4]), 'cannot derive the target [-1,3] of [N,4] from the symbols'],
    ['non-activation fused', rawNode('linear', { activation: { op: 'softmax', attrs: {} } }, ['N', 4], ['x', 'x']), "'softmax' is not an activation op"],
  ];
  it.each(attrCases)('%s', (_what, node, fragment) => {
    const [diagnostic] = verifyGraph(graphWith(node));
    expect(diagnostic?.node).toBe('bad');
    expect(formatDiagnostic(diagnostic as Diagnostic)).toContain(`%bad (${node.op}): `);
    expect(diagnostic?.message).toContain(fragment);
    // makeNode (the builder's path) refuses the same node, naming it.
    expect(() => makeNode('bad', node.op, node.inputs.map((name) => ({ name, type: { dtype: 'f32', shape: ['N', 4] } })), node.attrs))
      .toThrow(fragment);
  });

  const shapeCases: [string, Shape, string][] = [
    ['a zero dim', ['N', 0], 'dim 1 must be a positive integer, got 0'],
    ['a fractional dim', ['N', 2.5], 'dim 1 must be a positive integer, got 2.5'],
    ['a negative dim', [-3, 4], 'dim 0 must be a positive integer, got -3'],
    ['a symbol that is not an identifier', [4, '1x'], 'symbolic dim "1x" is not an identifier'],
    ['a tensor above the limit', ['N', 2 ** 15, 2 ** 14], `more than ${MAX_TENSOR_ELEMENTS} elements`],
  ];
  it.each(shapeCases)('an input with %s', (_what, shape, fragment) => {
    const graph = graphWith(rawNode('relu', {}, shape), shape);
    const messages = about(verifyGraph(graph), 'x');
    expect(messages[0]).toMatch(/^%x: input /);
    expect(messages[0]).toContain(fragment);
  });

  it('a constant whose data does not fit its shape, or whose shape is too large', () => {
    const small = { name: 'c', op: 'const' as const, inputs: [], attrs: { value: { shape: [2, 3], data: new Float32Array(5) } }, type: { dtype: 'f32' as const, shape: [2, 3] } };
    expect(about(verifyGraph({ name: 'g', inputs: [], nodes: [small], outputs: ['c'] }), 'c')).toEqual(['%c (const): shape [2,3] needs 6 values, got 5']);
    expect(() => makeNode('huge', 'relu', [{ name: 'x', type: { dtype: 'f32', shape: [2 ** 14, 2 ** 15] } }]))
      .toThrow(`%huge (relu): result tensor [16384,32768] has more than ${MAX_TENSOR_ELEMENTS} elements`);
  });

  it('a graph that returns nothing or a value twice', () => {
    const node = rawNode('relu', {});
    expect(verifyGraph({ ...graphWith(node), outputs: [] }).map((d) => d.message)).toEqual(['graph "g" returns nothing']);
    expect(verifyGraph({ ...graphWith(node), outputs: ['bad', 'bad'] }).map(formatDiagnostic))
      .toEqual(['%bad: value is returned twice (output names must be unique)']);
  });
});
