// The topological order of a graph under rewriting: a doubly linked list of value names, so
// inserting a node before another, removing one or renaming one costs O(1).

export class NodeOrder {
  private readonly next = new Map<string, string | undefined>();
  private readonly prev = new Map<string, string | undefined>();
  private head: string | undefined;
  private tail: string | undefined;

  constructor(names: Iterable<string>) {
    for (const name of names) this.append(name);
  }

  has(name: string): boolean {
    return this.next.has(name);
  }

  append(name: string): void {
    this.link(name, this.tail, undefined);
  }

  /** Puts `name` just before `anchor` (which must be in the list). */
  insertBefore(anchor: string, name: string): void {
    this.link(name, this.prev.get(anchor), anchor);
  }

  remove(name: string): void {
    if (!this.next.has(name)) return;
    const before = this.prev.get(name);
    const after = this.next.get(name);
    if (before === undefined) this.head = after;
    else this.next.set(before, after);
    if (after === undefined) this.tail = before;
    else this.prev.set(after, before);
    this.next.delete(name);
    this.prev.delete(name);
  }

  /** Gives the entry `from` the name `to`, keeping its place. */
  rename(from: string, to: string): void {
    if (!this.next.has(from)) return;
    const before = this.prev.get(from);
    const after = this.next.get(from);
    this.remove(from);
    this.link(to, before, after);
  }

  *[Symbol.iterator](): IterableIterator<string> {
    for (let name = this.head; name !== undefined; name = this.next.get(name)) yield name;
  }

  private link(name: string, before: string | undefined, after: string | undefined): void {
    this.prev.set(name, before);
    this.next.set(name, after);
    if (before === undefined) this.head = name;
    else this.next.set(before, name);
    if (after === undefined) this.tail = name;
    else this.prev.set(after, name);
  }
}
