import { fail } from '../core.ts';
import { type WasmMemory, wasm } from './mean-kernel.ts';

/**
 * The shared memory of one local (worker-thread) world: a control block of int32 words, each
 * field on its own 64-byte cache line so ranks spinning on one field do not slow writers of
 * another, and one data slot per rank that collectives stage buffers in.
 *
 * Plain writes made before an `Atomics.store` are visible to a thread after it `Atomics.load`s
 * that value (JS memory model: synchronises-with), so slot contents and the per-rank call
 * descriptions need no atomics of their own; only arrival counters, the bell and fault words do.
 */
export interface LocalWorld {
  readonly size: number;
  readonly control: SharedArrayBuffer;
  /** Shared WebAssembly memory holding the slots, so the SIMD mean kernel can read them. */
  readonly memory: WasmMemory;
  /** memory.buffer: slot j is bytes [j·slotBytes, (j+1)·slotBytes). */
  readonly data: SharedArrayBuffer;
  /** Bytes of each rank's staging slot; larger buffers go through in rounds. */
  readonly slotBytes: number;
  /**
   * Bytes of each rank's small-buffer slot, of which there are two sets (by call parity) after
   * the staging slots: set p, rank j at size·slotBytes + (p·size + j)·smallBytes. An allreduce
   * this small needs one barrier instead of three (local-collective.ts).
   */
  readonly smallBytes: number;
  /** A collective that waits longer than this for a peer fails, naming the missing ranks. */
  readonly timeoutMs: number;
}

/** Int32 words per cache line. */
export const LINE = 16;
/** Futex word every waiter sleeps on; bumped on every arrival and every fault. */
export const BELL = 0;
/** The first fault: [failed rank + 1 (0 = none), exit code, FaultKind]. */
export const FAULT = LINE;
/** Per-rank line: [arrived phase, exited (code + 1, 0 = running)]. */
export const rankLine = (rank: number): number => LINE * (2 + rank);
export const ARRIVED = 0;
export const EXITED = 1;
/** Float64 words describing each rank's current call (op code, length, root), after the int32 lines. */
export const describeOffset = (size: number): number => LINE * 4 * (2 + size);

export enum FaultKind {
  /** The rank's thread or process ended (any exit code) while the world was running. */
  Exited = 1,
  /** The rank threw (the error was reported by the launcher). */
  Errored = 2,
  /** The rank gave up waiting for a peer. */
  TimedOut = 3,
  /** Ranks called different collectives (or different lengths) at the same point. */
  Mismatch = 4,
}

export const DEFAULT_SLOT_BYTES = 64 * 1024 * 1024;
/**
 * Largest allreduce (bytes) taking the one-barrier path, where every rank averages the whole
 * buffer: K times the arithmetic of a reduce-scatter, which at this size is tens of microseconds
 * (an estimate from memory bandwidth, not tuned), against two barriers that each cost a wake-up
 * delay of up to milliseconds when a peer thread is descheduled. ZooKeeper models that sync every
 * step are usually this small (the benchmark MLP: 5,514 values).
 */
export const SMALL_BYTES = 256 * 1024;
const WASM_PAGE = 65536;
const MAX_PAGES = 65536;
export const DEFAULT_TIMEOUT_MS = 300_000;

/** Allocates a world for `size` ranks (the launcher does this once and hands it to every rank). */
export function createLocalWorld(
  size: number,
  options: { slotBytes?: number; timeoutMs?: number } = {},
): LocalWorld {
  if (!Number.isInteger(size) || size < 1)
    fail(`world size ${size} must be a positive integer`, { where: 'local transport' });
  const slotBytes = options.slotBytes ?? DEFAULT_SLOT_BYTES;
  // Whole cache lines, and a multiple of 8 so Float64 views line up.
  if (!Number.isInteger(slotBytes) || slotBytes < 64 || slotBytes % 64 !== 0) {
    fail(`slotBytes ${slotBytes} must be a positive multiple of 64`, { where: 'local transport' });
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!(timeoutMs > 0)) fail(`timeoutMs ${timeoutMs} must be > 0`, { where: 'local transport' });
  const smallBytes = Math.min(SMALL_BYTES, slotBytes);
  const pages = Math.ceil((size * (slotBytes + 2 * smallBytes)) / WASM_PAGE);
  if (pages > MAX_PAGES) {
    fail(`${size} slots of ${slotBytes} bytes exceed the 4 GiB of shared memory`, {
      where: 'local transport',
      hint: 'use a smaller slotBytes (large buffers go through in rounds)',
    });
  }
  // Untouched pages are not committed, so a generous slot costs address space, not memory,
  // until buffers that large are reduced.
  const memory = new wasm.Memory({ initial: pages, maximum: pages, shared: true });
  return {
    size,
    control: new SharedArrayBuffer(describeOffset(size) + size * 64),
    memory,
    data: memory.buffer as unknown as SharedArrayBuffer,
    slotBytes,
    smallBytes,
    timeoutMs,
  };
}

/**
 * Marks `rank` as gone and wakes every waiter. A clean exit (code 0) only fails collectives that
 * still wait for that rank; any other exit stops the whole world. The first fault is reported.
 */
export function markExited(world: LocalWorld, rank: number, code: number, kind = FaultKind.Exited): void {
  const words = new Int32Array(world.control);
  Atomics.store(words, rankLine(rank) + EXITED, code + 1);
  if (code !== 0) recordFault(words, rank, code, kind);
  Atomics.add(words, BELL, 1);
  Atomics.notify(words, BELL);
}

export function recordFault(words: Int32Array, rank: number, code: number, kind: FaultKind): void {
  if (Atomics.compareExchange(words, FAULT, 0, rank + 1) === 0) {
    Atomics.store(words, FAULT + 1, code);
    Atomics.store(words, FAULT + 2, kind);
  }
  Atomics.add(words, BELL, 1);
  Atomics.notify(words, BELL);
}

/** The first fault recorded in the world, if any. */
export function firstFault(world: LocalWorld): { rank: number; code: number; kind: FaultKind } | undefined {
  const words = new Int32Array(world.control);
  const r = Atomics.load(words, FAULT);
  if (r === 0) return undefined;
  return { rank: r - 1, code: Atomics.load(words, FAULT + 1), kind: Atomics.load(words, FAULT + 2) };
}

export function describeFault(kind: FaultKind, code: number): string {
  switch (kind) {
    case FaultKind.Exited:
      return `exited with code ${code}`;
    case FaultKind.Errored:
      return 'threw an error';
    case FaultKind.TimedOut:
      return 'timed out waiting for a peer';
    case FaultKind.Mismatch:
      return 'found ranks calling different collectives';
  }
}
