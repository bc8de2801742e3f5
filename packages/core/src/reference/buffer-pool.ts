import { allocate, type DType, type TypedArray } from '../dtype.ts';

/**
 * Recycles the reference backend's intermediate buffers between kernels and between runs.
 *
 * Why: every typed array V8 allocates off its heap costs a zeroing allocation, external-memory
 * accounting and later a sweep by the garbage collector, about a microsecond each. A training step
 * of a small MLP makes dozens of them, and the sweeps run on V8's helper threads, so two training
 * threads in one process slow each other down (docs/distributed.md, "Benchmarks"). The backend
 * knows when an intermediate's last reader has run, so it hands the buffer back here and the
 * next kernel of the same dtype and size reuses it.
 *
 * A taken buffer holds whatever its last user wrote: kernels must write every element.
 * Buffers that escape a run (outputs, bound inputs, constants) are never given back.
 */
export class BufferPool {
  private readonly free = new Map<DType, Map<number, TypedArray[]>>();
  private bytes = 0;

  /** `capacityBytes`: the most the pool keeps idle; buffers beyond it are left to the GC. */
  constructor(readonly capacityBytes: number) {}

  /** A buffer of `size` elements of `dtype`, reused when one is idle; its contents are arbitrary. */
  take(dtype: DType, size: number): TypedArray {
    const reused = this.free.get(dtype)?.get(size)?.pop();
    if (reused === undefined) return allocate(dtype, size);
    this.bytes -= reused.byteLength;
    return reused;
  }

  /** Hands back a buffer nobody reads any more. */
  give(dtype: DType, buffer: TypedArray): void {
    if (buffer.length === 0 || this.bytes + buffer.byteLength > this.capacityBytes) return;
    let bySize = this.free.get(dtype);
    if (!bySize) {
      bySize = new Map();
      this.free.set(dtype, bySize);
    }
    const list = bySize.get(buffer.length);
    if (list) list.push(buffer);
    else bySize.set(buffer.length, [buffer]);
    this.bytes += buffer.byteLength;
  }

  /** Bytes held idle right now. */
  get idleBytes(): number {
    return this.bytes;
  }
}
