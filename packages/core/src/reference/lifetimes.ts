import type { TypedArray } from '../dtype.ts';
import type { Node } from '../ir/node.ts';

/**
 * When each intermediate buffer of one run is last read. A buffer is counted once per executed
 * node that reads it (a fused loop reads the materialised leaves of its tree; a reshape view reads
 * its input and passes its own readers on to the same buffer). Buffers reach zero readers once,
 * after their last reader ran; those the run allocated and that are not outputs are dead then.
 */
export class Lifetimes {
  private readonly reads = new Map<Node, Node[]>();
  private readonly readers = new Map<Node, number>();
  private readonly pending = new Map<TypedArray, number>();
  private readonly owned = new Set<TypedArray>();
  private readonly escaping = new Set<TypedArray>();

  constructor(executed: readonly Node[], inlined: (n: Node) => boolean) {
    for (const node of executed) {
      const read = new Set<Node>();
      const visit = (n: Node) => {
        for (const input of n.inputs) {
          if (inlined(input)) visit(input);
          else read.add(input);
        }
      };
      visit(node);
      this.reads.set(node, [...read]);
      for (const r of read) this.readers.set(r, (this.readers.get(r) ?? 0) + 1);
    }
  }

  /** Marks a buffer as allocated by this run (so it may be recycled once dead). */
  own(buffer: TypedArray): TypedArray {
    this.owned.add(buffer);
    return buffer;
  }

  /** `node` now holds `buffer` (its own, or its input's for a view). */
  produced(node: Node, buffer: TypedArray, isOutput: boolean): void {
    if (isOutput) this.escaping.add(buffer);
    if (this.owned.has(buffer))
      this.pending.set(buffer, (this.pending.get(buffer) ?? 0) + (this.readers.get(node) ?? 0));
  }

  /** The buffers `node` was the last reader of, after it ran. */
  consumed(node: Node, value: (n: Node) => TypedArray): { dtype: Node['dtype']; buffer: TypedArray }[] {
    const dead: { dtype: Node['dtype']; buffer: TypedArray }[] = [];
    for (const r of this.reads.get(node)!) {
      const buffer = value(r);
      const left = this.pending.get(buffer);
      if (left === undefined) continue; // a leaf's or an output's buffer
      this.pending.set(buffer, left - 1);
      if (left === 1 && !this.escaping.has(buffer)) dead.push({ dtype: r.dtype, buffer });
    }
    return dead;
  }
}
