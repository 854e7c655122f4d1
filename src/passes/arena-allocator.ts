// A best-fit allocator over one linear region of the arena, in f32 elements. Blocks are
// aligned to 4 elements (16 bytes) so every slot can be read as vec4/f32x4 by backends.

const ALIGN = 4;

interface Block {
  offset: number;
  size: number;
}

export function alignSize(size: number): number {
  return Math.ceil(size / ALIGN) * ALIGN;
}

export class ArenaAllocator {
  /** Free blocks below `top`, sorted by offset, never adjacent (merged on free). */
  private readonly free: Block[] = [];
  private top = 0;

  /** The region's size: the highest offset ever handed out plus its block. */
  get size(): number {
    return this.top;
  }

  allocate(requested: number): number {
    const size = alignSize(requested);
    if (size === 0) return this.top;
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const block = this.free[i];
      if (block !== undefined && block.size >= size && (best < 0 || block.size < (this.free[best]?.size ?? Infinity))) best = i;
    }
    const chosen = this.free[best];
    if (chosen !== undefined) {
      const offset = chosen.offset;
      chosen.offset += size;
      chosen.size -= size;
      if (chosen.size === 0) this.free.splice(best, 1);
      return offset;
    }
    // Grow: reuse a free block that ends at the top, if any.
    const last = this.free[this.free.length - 1];
    if (last !== undefined && last.offset + last.size === this.top) {
      this.free.pop();
      this.top = last.offset + size;
      return last.offset;
    }
    const offset = this.top;
    this.top += size;
    return offset;
  }

  release(offset: number, requested: number): void {
    const size = alignSize(requested);
    if (size === 0) return;
    let at = this.free.findIndex((block) => block.offset > offset);
    if (at < 0) at = this.free.length;
    this.free.splice(at, 0, { offset, size });
    const next = this.free[at + 1];
    const current = this.free[at];
    if (current !== undefined && next !== undefined && current.offset + current.size === next.offset) {
      current.size += next.size;
      this.free.splice(at + 1, 1);
    }
    const previous = this.free[at - 1];
    if (previous !== undefined && current !== undefined && previous.offset + previous.size === current.offset) {
      previous.size += current.size;
      this.free.splice(at, 1);
    }
  }
}
