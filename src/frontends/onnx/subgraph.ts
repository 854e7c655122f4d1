// Inlining an ONNX subgraph (an If branch, one iteration of a Loop body) into the graph being
// imported. Subgraphs see the values of the scopes around them; every value a subgraph
// defines (its initializers, its nodes' results, its bound inputs) gets a fresh name under
// `hint` so that inlining the same body twice, or a name the outer graph uses later, cannot
// collide. Nested subgraphs keep their own definitions; only their references are renamed.

import { CompileError } from '../../../ir/errors.ts';
import { formatValueName } from '../../../ir/names.ts';
import type { ImportContext, SubgraphInliner } from './context.ts';
import { NodeView } from './node-view.ts';
import type { GraphProto, NodeProto } from './proto.ts';
import { readTensor } from './tensor.ts';

export interface InlineHooks {
  /** Converts one node (the importer's table of converters). */
  readonly convert: (node: NodeProto, cx: ImportContext) => void;
  /** Orders nodes so each reads only what is defined before it. */
  readonly sort: (nodes: readonly NodeProto[], available: ReadonlySet<string>) => NodeProto[];
}

/** References renamed through `names`, in a node and in the subgraphs it holds. */
function renameNode(node: NodeProto, names: ReadonlyMap<string, string>): NodeProto {
  const ref = (name: string): string => (name === '' ? name : names.get(name) ?? name);
  return {
    ...node,
    input: node.input.map(ref),
    output: node.output.map(ref),
    attribute: node.attribute.map((attr) => (attr.g === undefined || attr.g === null ? attr : { ...attr, g: renameRefs(attr.g, names) })),
  };
}

/** A nested subgraph with its references to outer names renamed (its own names kept). */
function renameRefs(graph: GraphProto, names: ReadonlyMap<string, string>): GraphProto {
  const own = new Set([...graph.input.map((i) => i.name), ...graph.initializer.map((i) => i.name), ...graph.node.flatMap((n) => n.output)]);
  const outer = new Map([...names].filter(([name]) => !own.has(name)));
  return {
    ...graph,
    node: graph.node.map((node) => renameNode(node, outer)),
    output: graph.output.map((o) => ({ ...o, name: outer.get(o.name) ?? o.name })),
  };
}

/** The names a subgraph's nodes read from outside it (to check they exist). */
function outerReads(nodes: readonly NodeProto[]): Set<string> {
  const names = new Set<string>();
  for (const node of nodes) for (const name of node.input) if (name !== '') names.add(name);
  return names;
}

export function subgraphInliner(cx: ImportContext, hooks: InlineHooks): SubgraphInliner {
  return (graph, bound, hint) => {
    const names = new Map(bound);
    const taken = new Set<string>();
    const local = (name: string): string => {
      let candidate = `${hint}/${name}`;
      for (let i = 1; taken.has(candidate) || cx.fresh(candidate) !== candidate; i++) candidate = `${hint}/${name}_${i}`;
      taken.add(candidate);
      return candidate;
    };
    for (const input of graph.input) {
      if (!names.has(input.name)) throw new CompileError(`internal: subgraph input ${formatValueName(input.name)} is not bound`);
    }
    for (const init of graph.initializer) names.set(init.name, local(init.name));
    for (const node of graph.node) for (const out of node.output) if (out !== '') names.set(out, local(out));
    cx.reserve(taken);
    const nodes = graph.node.map((node) => renameNode(node, names));
    for (const init of graph.initializer) {
      cx.defineConst(names.get(init.name) ?? init.name, readTensor(init, `initializer ${formatValueName(init.name)} of ${hint}`));
    }
    const available = new Set([...outerReads(nodes)].filter((name) => cx.isDefined(name)));
    for (const node of hooks.sort(nodes, available)) {
      try {
        hooks.convert(node, cx);
      } catch (error) {
        if (!(error instanceof CompileError)) throw error;
        const view = new NodeView(node);
        const where = error.location.node === undefined ? '' : `${formatValueName(error.location.node)}${error.location.op === undefined ? '' : ` (${error.location.op})`}: `;
        throw new CompileError(`in ${hint}: ${where || `${formatValueName(view.name)} (${view.opType}): `}${error.detail}`);
      }
    }
    return graph.output.map((output) => {
      const name = names.get(output.name) ?? output.name;
      if (!cx.isDefined(name)) throw new CompileError(`${hint} returns ${formatValueName(output.name)}, which nothing defines`);
      return name;
    });
  };
}
