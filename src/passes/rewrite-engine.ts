// The one rewrite engine every rule-based pass shares (in the spirit of tinygrad's
// graph_rewrite and MLIR's greedy pattern driver).
//
// 1. The graph is loaded into mutable maps: definitions, an O(1) linked order, and for each
//    value its readers with counts, so a rule's questions (who reads this? how often?) are
//    answered in O(1).
// 2. A worklist starts with every node in order. For each node the rules are tried in turn;
//    the first that matches is applied: new nodes go just before the matched node (their
//    operands are defined earlier, so order stays topological) and the last one takes the
//    matched node's name; or the matched value's readers are forwarded to another value.
// 3. Nodes whose value loses its last reader through a rewrite are deleted on the spot
//    (pure ones only), cascading to their operands; a value left with a single reader has
//    that reader revisited (a pre-activation may now be fusible).
// 4. Every node touched (the new ones, their readers, the producers of their operands) goes
//    back on the worklist; the pass ends when the worklist is empty: a fixpoint.
// Each rewrite costs time proportional to the nodes it touches, so a pass is near-linear.

import { CompileError } from '../../ir/errors.ts';
import type { Graph, Node } from '../../ir/graph.ts';
import { makeNode } from '../../ir/node.ts';
import { OPS, type TensorData } from '../../ir/ops/index.ts';
import { formatType, sameType, type TensorType } from '../../ir/types.ts';
import { NodeOrder } from './node-order.ts';
import { constData, type GraphView, type NodeSpec, type Rewrite, type RewriteRule } from './rewrite-rule.ts';

/** Rewrites per node before the engine assumes two rules undo each other. */
const MAX_REWRITES_PER_NODE = 64;

class RewriteState implements GraphView {
  private readonly defs = new Map<string, Node>();
  private readonly inputs = new Map<string, TensorType>();
  private readonly readBy = new Map<string, Map<string, number>>();
  /** Total operand reads of each value (the sum over readBy), kept so useCount is O(1). */
  private readonly readCount = new Map<string, number>();
  private readonly outputs: Set<string>;
  private readonly names = new Set<string>();
  private readonly order: NodeOrder;
  private readonly queue: string[] = [];
  private queueHead = 0;
  private readonly queued = new Set<string>();
  private counter = 0;

  constructor(private readonly graph: Graph) {
    for (const input of graph.inputs) {
      this.inputs.set(input.name, input.type);
      this.names.add(input.name);
    }
    for (const node of graph.nodes) {
      this.defs.set(node.name, node);
      this.names.add(node.name);
      this.addReads(node);
    }
    this.outputs = new Set(graph.outputs);
    this.order = new NodeOrder(graph.nodes.map((node) => node.name));
    for (const node of graph.nodes) this.enqueue(node.name);
  }

  producer(name: string): Node | undefined {
    return this.defs.get(name);
  }

  type(name: string): TensorType {
    const type = this.defs.get(name)?.type ?? this.inputs.get(name);
    if (type === undefined) throw new CompileError('internal: a rewrite refers to an undefined value', { node: name });
    return type;
  }

  useCount(name: string): number {
    return (this.outputs.has(name) ? 1 : 0) + (this.readCount.get(name) ?? 0);
  }

  readers(name: string): Node[] {
    const nodes: Node[] = [];
    for (const reader of this.readBy.get(name)?.keys() ?? []) {
      const node = this.defs.get(reader);
      if (node !== undefined) nodes.push(node);
    }
    return nodes;
  }

  isOutput(name: string): boolean {
    return this.outputs.has(name);
  }

  constant(name: string): TensorData | undefined {
    return constData(this.defs.get(name));
  }

  freshName(hint: string): string {
    let name = hint;
    while (this.names.has(name)) name = `${hint}_${++this.counter}`;
    this.names.add(name);
    return name;
  }

  run(rules: readonly RewriteRule[]): Graph {
    const budget = MAX_REWRITES_PER_NODE * (this.defs.size + 1);
    let rewrites = 0;
    for (let name = this.dequeue(); name !== undefined; name = this.dequeue()) {
      this.queued.delete(name);
      const node = this.defs.get(name);
      if (node === undefined) continue;
      for (const rule of rules) {
        const rewrite = rule.match(node, this);
        if (rewrite === undefined || !this.apply(node, rewrite, rule)) continue;
        if (++rewrites > budget) throw new CompileError(`internal: rule '${rule.name}' does not reach a fixpoint`, { node: name });
        break;
      }
    }
    const nodes: Node[] = [];
    for (const name of this.order) {
      const node = this.defs.get(name);
      if (node !== undefined) nodes.push(node);
    }
    return { name: this.graph.name, inputs: this.graph.inputs, nodes, outputs: this.graph.outputs };
  }

  private apply(node: Node, rewrite: Rewrite, rule: RewriteRule): boolean {
    if ('forward' in rewrite) return this.forward(node, rewrite.forward, rule);
    this.replace(node, rewrite.replace, rule);
    return true;
  }

  private build(spec: NodeSpec, name: string): Node {
    return makeNode(name, spec.op, spec.inputs.map((input) => ({ name: input, type: this.type(input) })), spec.attrs ?? {});
  }

  private replace(old: Node, specs: readonly NodeSpec[], rule: RewriteRule): void {
    const last = specs[specs.length - 1];
    if (last === undefined) throw new CompileError(`internal: rule '${rule.name}' replaced a node by nothing`, { node: old.name });
    for (const spec of specs.slice(0, -1)) {
      const node = this.build(spec, spec.name ?? this.freshName(old.name));
      if (this.defs.has(node.name) || this.inputs.has(node.name)) {
        throw new CompileError(`internal: rule '${rule.name}' redefines a value`, { node: node.name });
      }
      this.defs.set(node.name, node);
      this.order.insertBefore(old.name, node.name);
      this.addReads(node);
      this.enqueue(node.name);
    }
    const node = this.build(last, old.name);
    if (!sameType(node.type, old.type)) {
      throw new CompileError(`internal: rule '${rule.name}' changed the type from ${formatType(old.type)} to ${formatType(node.type)}`, { node: old.name, op: old.op });
    }
    const released = this.removeReads(old);
    this.defs.set(node.name, node);
    this.addReads(node);
    this.deleteUnread(released);
    this.enqueueAround(node);
  }

  /**
   * Readers of `node` read `target` instead and `node` goes. A graph output keeps its public
   * name: the target node is renamed to it instead, when the target is an unreturned node.
   */
  private forward(node: Node, target: string, rule: RewriteRule): boolean {
    if (target === node.name) return false;
    if (!sameType(this.type(target), node.type)) {
      throw new CompileError(`internal: rule '${rule.name}' forwards to ${target} of another type`, { node: node.name, op: node.op });
    }
    if (!this.outputs.has(node.name)) {
      this.retarget(node.name, target);
      const released = this.removeReads(node);
      this.defs.delete(node.name);
      this.order.remove(node.name);
      this.deleteUnread(released);
      const producer = this.defs.get(target);
      if (producer !== undefined) this.enqueueAround(producer);
      return true;
    }
    const targetNode = this.defs.get(target);
    if (targetNode === undefined || this.outputs.has(target)) return false;
    // Unhook the matched node, then let the target take its (public) name.
    const released = this.removeReads(node);
    this.defs.delete(node.name);
    this.order.remove(node.name);
    const renamed: Node = { ...targetNode, name: node.name };
    this.removeReads(targetNode);
    this.defs.delete(target);
    this.defs.set(renamed.name, renamed);
    this.addReads(renamed);
    this.order.rename(target, renamed.name);
    this.retarget(target, renamed.name);
    this.deleteUnread(released);
    this.enqueueAround(renamed);
    return true;
  }

  /** Every reader of `from` reads `to` instead. */
  private retarget(from: string, to: string): void {
    const readers = this.readBy.get(from);
    if (readers === undefined) return;
    this.readBy.delete(from);
    const into = this.readBy.get(to) ?? new Map<string, number>();
    this.readBy.set(to, into);
    this.bumpReads(to, this.readCount.get(from) ?? 0);
    this.readCount.delete(from);
    for (const [reader, count] of readers) {
      const user = this.defs.get(reader);
      if (user === undefined) continue;
      this.defs.set(reader, { ...user, inputs: user.inputs.map((input) => (input === from ? to : input)) });
      into.set(reader, (into.get(reader) ?? 0) + count);
      this.enqueue(reader);
    }
  }

  private addReads(node: Node): void {
    for (const input of node.inputs) {
      const readers = this.readBy.get(input) ?? new Map<string, number>();
      readers.set(node.name, (readers.get(node.name) ?? 0) + 1);
      this.readBy.set(input, readers);
      this.bumpReads(input, 1);
    }
  }

  /** Removes the reads of `node`; returns its operands, which may now be unread. */
  private removeReads(node: Node): string[] {
    const operands = [...new Set(node.inputs)];
    for (const input of operands) {
      const readers = this.readBy.get(input);
      this.bumpReads(input, -(readers?.get(node.name) ?? 0));
      readers?.delete(node.name);
      if (readers !== undefined && readers.size === 0) this.readBy.delete(input);
    }
    return operands;
  }

  /** Deletes the pure nodes among `names` that nothing reads any more, cascading. */
  private deleteUnread(names: readonly string[]): void {
    const stack = [...names];
    for (let name = stack.pop(); name !== undefined; name = stack.pop()) {
      const producer = this.defs.get(name);
      if (producer === undefined) continue;
      if (this.useCount(name) > 0 || !OPS[producer.op].pure) {
        // A value left with one reader can enable rules there (a pre-activation used once).
        // Only then: revisiting every reader of a widely read value would be quadratic.
        this.enqueue(name);
        const readers = this.readBy.get(name);
        if (readers?.size === 1) for (const reader of readers.keys()) this.enqueue(reader);
        continue;
      }
      this.defs.delete(name);
      this.order.remove(name);
      stack.push(...this.removeReads(producer));
    }
  }

  private bumpReads(name: string, delta: number): void {
    const count = (this.readCount.get(name) ?? 0) + delta;
    if (count === 0) this.readCount.delete(name);
    else this.readCount.set(name, count);
  }

  private dequeue(): string | undefined {
    if (this.queueHead >= this.queue.length) return undefined;
    const name = this.queue[this.queueHead++];
    if (this.queueHead > 4096 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
    return name;
  }

  private enqueue(name: string): void {
    if (this.queued.has(name)) return;
    this.queued.add(name);
    this.queue.push(name);
  }

  /** A changed node, its readers and its operands' producers may all match new rules. */
  private enqueueAround(node: Node): void {
    this.enqueue(node.name);
    for (const reader of this.readBy.get(node.name)?.keys() ?? []) this.enqueue(reader);
    for (const input of node.inputs) if (this.defs.has(input)) this.enqueue(input);
  }
}

/** Applies the rules to a fixpoint and returns the rewritten graph. */
export function rewriteGraph(graph: Graph, rules: readonly RewriteRule[]): Graph {
  return new RewriteState(graph).run(rules);
}
