import { type Collective, type FloatBuffer, fail } from '../core.ts';
import { type MeanKernel, meanKernels } from './mean-kernel.ts';
import {
  ARRIVED,
  BELL,
  describeFault,
  describeOffset,
  EXITED,
  FAULT,
  FaultKind,
  type LocalWorld,
  rankLine,
  recordFault,
} from './world.ts';

/** A Collective over worker threads that share a LocalWorld. */
export interface LocalCollective extends Collective {
  readonly transport: 'local';
  /** The mean written into `buffer` itself: no allocation (MPI_IN_PLACE style). */
  allreduceMeanInPlace(buffer: FloatBuffer): void;
  /**
   * A view of this rank's shared staging slot. Filled and passed to allreduceMeanInPlace, it is
   * reduced where it lies: peers read it directly, so the copy into shared memory is skipped.
   * Its contents are this rank's until the next collective call.
   */
  stagingBuffer(length: number, dtype?: 'float32' | 'float64'): FloatBuffer;
  /** Capacity of the staging buffer in bytes. */
  readonly slotBytes: number;
}

const OPS = ['', 'allreduceMean', 'broadcast', 'barrier'] as const;
const ALLREDUCE = 1;
const BROADCAST = 2;
const BARRIER = 3;
/** Float64 words per rank per parity in the call-description table: [op, length, root, bytes]. */
const DESC = 4;
/** Busy-wait iterations before sleeping on the bell: a peer a few microseconds behind is cheaper to spin for. */
const SPINS = 4000;
/** Longest single sleep, so the deadline is re-checked even if a wake-up were lost. */
const SLEEP_SLICE_MS = 100;
/** Share boundaries in elements: a multiple of 16 keeps them on 64-byte cache lines and SIMD vectors. */
const ALIGN = 16;
/** Elements per block of the float64 accumulator for K > 2 (stays in L1). */
const BLOCK = 2048;

/**
 * The collective of rank `rank` in `world`. Every rank must call the same collectives in the
 * same order with the same lengths; a mismatch, a peer that exits, or a peer missing for longer
 * than `world.timeoutMs` raises an error naming the rank, on every rank, instead of hanging.
 *
 * allreduceMean is a reduce-scatter then all-gather through the shared slots: rank k averages
 * its 1/K share of every rank's staged buffer (accumulating in float64 in rank order, exactly as
 * core's meanOfBuffers, so local runs match the in-process simulation bit for bit) and the
 * others copy that share. Every rank ends with the same bits.
 *
 * A buffer of at most world.smallBytes takes a one-barrier path instead (allreduceSmall): the
 * three barriers of reduce-scatter + all-gather each risk a wake-up delay when a peer thread is
 * descheduled, which on a loaded machine costs more than averaging a small buffer K times over.
 */
export function localCollective(world: LocalWorld, rank: number): LocalCollective {
  const { size } = world;
  if (!Number.isInteger(rank) || rank < 0 || rank >= size) {
    fail(`rank ${rank} is outside a world of ${size}`, { where: 'local transport' });
  }
  const words = new Int32Array(world.control);
  const desc = new Float64Array(world.control, describeOffset(size), 2 * DESC * size);
  const f32 = Array.from(
    { length: size },
    (_, j) => new Float32Array(world.data, j * world.slotBytes, world.slotBytes / 4),
  );
  const f64 = Array.from(
    { length: size },
    (_, j) => new Float64Array(world.data, j * world.slotBytes, world.slotBytes / 8),
  );
  // The small slots, by call parity then rank (world.ts).
  const smallBase = size * world.slotBytes;
  const smallView = <T extends FloatBuffer>(make: (offset: number, length: number) => T, bytes: number) =>
    [0, 1].map((p) =>
      Array.from({ length: size }, (_, j) =>
        make(smallBase + (p * size + j) * world.smallBytes, world.smallBytes / bytes),
      ),
    );
  const small32 = smallView((o, n) => new Float32Array(world.data, o, n), 4);
  const small64 = smallView((o, n) => new Float64Array(world.data, o, n), 8);
  const acc = new Float64Array(BLOCK);
  const kernels = meanKernels(world.memory);
  let phase = 0;
  let calls = 0;
  let what = '';

  const stopped = (): never => {
    const failed = Atomics.load(words, FAULT) - 1;
    const code = Atomics.load(words, FAULT + 1);
    const kind = Atomics.load(words, FAULT + 2) as FaultKind;
    fail(`rank ${failed} ${describeFault(kind, code)}; rank ${rank} stopped in ${what}`, {
      where: 'local transport',
      hint: failed === rank ? 'see the error above' : `see rank ${failed}'s output for its error`,
    });
  };

  const arrive = (): void => {
    phase++;
    Atomics.store(words, rankLine(rank) + ARRIVED, phase);
    Atomics.add(words, BELL, 1);
    Atomics.notify(words, BELL);
  };

  const missing = (): number[] =>
    Array.from({ length: size }, (_, j) => j).filter(
      (j) => Atomics.load(words, rankLine(j) + ARRIVED) < phase,
    );

  /** Blocks until every rank has arrived at `phase`, or a fault, an exit or the deadline. */
  const waitAll = (): void => {
    let deadline = 0;
    for (let j = 0; j < size; j++) {
      const arrived = rankLine(j) + ARRIVED;
      let spins = 0;
      while (Atomics.load(words, arrived) < phase) {
        if (Atomics.load(words, FAULT) !== 0) stopped();
        const exited = Atomics.load(words, rankLine(j) + EXITED);
        if (exited !== 0) {
          recordFault(words, j, exited - 1, FaultKind.Exited);
          fail(`rank ${j} exited (code ${exited - 1}) before joining ${what}; rank ${rank} stopped`, {
            where: 'local transport',
            hint: 'every rank must make the same collective calls (same number of steps)',
          });
        }
        if (spins < SPINS) {
          spins++;
          continue;
        }
        const bell = Atomics.load(words, BELL);
        if (Atomics.load(words, arrived) >= phase) break;
        const now = performance.now();
        if (deadline === 0) deadline = now + world.timeoutMs;
        if (now >= deadline) {
          const late = missing();
          recordFault(words, late[0] ?? j, 0, FaultKind.TimedOut);
          fail(
            `rank${late.length > 1 ? 's' : ''} ${late.join(', ')} did not reach ${what} within ${world.timeoutMs} ms`,
            {
              where: `local transport, rank ${rank}`,
              hint: 'a rank is stuck or makes different collective calls; if steps are legitimately this slow, raise the timeout (launch --timeout)',
            },
          );
        }
        Atomics.wait(words, BELL, bell, Math.min(deadline - now, SLEEP_SLICE_MS));
      }
    }
  };

  const sync = (): void => {
    arrive();
    waitAll();
  };

  /**
   * Records this rank's call, waits for everyone, and checks all ranks made the same call. The
   * table alternates by call parity: a peer can be at most one call ahead, so it never
   * overwrites an entry still being compared.
   */
  const begin = (op: number, length: number, root: number, bytes: number): void => {
    calls++;
    what = `${OPS[op]} #${calls}`;
    if (Atomics.load(words, FAULT) !== 0) stopped();
    const base = (calls % 2) * DESC * size;
    desc.set([op, length, root, bytes], base + rank * DESC);
    sync();
    for (let j = 0; j < size; j++) {
      const o = base + j * DESC;
      if (desc[o] !== op || desc[o + 1] !== length || desc[o + 2] !== root || desc[o + 3] !== bytes) {
        recordFault(words, rank, 0, FaultKind.Mismatch);
        const call = (k: number) =>
          `${OPS[desc[base + k * DESC]!]}(${desc[base + k * DESC + 1]} × ${desc[base + k * DESC + 3] * 8}-bit, root ${desc[base + k * DESC + 2]})`;
        fail(`call #${calls} differs: rank ${rank} made ${call(rank)}, rank ${j} made ${call(j)}`, {
          where: 'local transport',
          hint: 'every rank must pass the same params, in the same order, at the same steps',
        });
      }
    }
  };

  const slotsOf = (buffer: FloatBuffer): FloatBuffer[] => (buffer instanceof Float64Array ? f64 : f32);

  const isStaging = (b: FloatBuffer): boolean =>
    b.buffer === world.data && b.byteOffset === rank * world.slotBytes;

  /** The SIMD kernel for this element size, storing at its `out` or into every slot. */
  const kernelFor = (bytes: number, toAll: boolean): MeanKernel | undefined => {
    if (!kernels) return undefined;
    // x / 2^n and x · 2^-n are the same number, so powers of two may multiply.
    const pow2 = (size & (size - 1)) === 0;
    return kernels[`${bytes === 4 ? 'f32' : 'f64'}${pow2 ? 'pow2' : ''}${toAll ? 'ToAll' : ''}` as const];
  };

  /**
   * Rank k's share [lo, hi) of the staged values: their mean, written into its own slot, or with
   * `toAll` into every rank's slot (once every rank has done its share, each slot holds the whole
   * mean).
   */
  const reduceShare = (slots: FloatBuffer[], lo: number, hi: number, toAll = false): void => {
    const mine = slots[rank]!;
    const bytes = mine.BYTES_PER_ELEMENT;
    let vectorEnd = lo;
    const kernel = kernelFor(bytes, toAll);
    if (kernel) {
      // Whole 16-byte vectors go to the SIMD kernel; a ragged tail (end of the buffer) stays in JS.
      vectorEnd = lo + Math.floor(((hi - lo) * bytes) / 16) * (16 / bytes);
      kernel(0, world.slotBytes, size, lo * bytes, vectorEnd * bytes, rank * world.slotBytes);
    }
    if (vectorEnd < hi) {
      reduceK(slots, mine, vectorEnd, hi, acc);
      if (toAll) {
        for (let j = 0; j < size; j++) if (j !== rank) slots[j]!.set(mine.subarray(vectorEnd, hi), vectorEnd);
      }
    }
  };

  /** Share boundaries on whole cache lines, so two ranks never write one line. */
  const shareOf = (m: number, j: number): [number, number] => {
    const per = Math.ceil(m / size / ALIGN) * ALIGN;
    const lo = Math.min(m, j * per);
    return [lo, Math.min(m, lo + per)];
  };

  /**
   * The staged buffer reduced where it lies, in one pass: each rank averages its share of every
   * slot and writes the mean into every slot, so after one barrier each slot holds the whole mean
   * (reduce-scatter and all-gather fused). Per rank n values read and n written, against 1.5n
   * read for reduce-then-copy on 2 ranks, and one barrier fewer. Shares are whole cache lines,
   * so no two ranks write one line.
   */
  const allreduceStaged = (buffer: FloatBuffer): void => {
    const m = buffer.length;
    begin(ALLREDUCE, m, -1, buffer.BYTES_PER_ELEMENT);
    reduceShare(slotsOf(buffer), ...shareOf(m, rank), true);
    // Nobody returns (and may stage into its slot again) while a peer still reads or writes it.
    sync();
  };

  /**
   * One barrier: each rank copies its buffer into its small slot of this call's parity, waits
   * for everyone, and averages every rank's small slot itself (same arithmetic, so the same
   * bits on every rank) into its own staging slot, then into `output`. No closing barrier is
   * needed: peers read the parity-p small slots only during this call, and this rank writes
   * them again two calls later, after the next call's barrier, which no peer passes before it
   * has finished this one. The staging slots, which every other path uses, are only written by
   * their owner here, so those paths' invariants hold.
   */
  const allreduceSmall = (input: FloatBuffer, output: FloatBuffer): void => {
    const n = input.length;
    const bytes = input.BYTES_PER_ELEMENT;
    const slots = (bytes === 8 ? small64 : small32)[(calls + 1) % 2]!;
    slots[rank]!.set(input);
    begin(ALLREDUCE, n, -1, bytes);
    const mine = slotsOf(input)[rank]!;
    let vectorEnd = 0;
    const kernel = kernelFor(bytes, false);
    if (kernel) {
      vectorEnd = Math.floor((n * bytes) / 16) * (16 / bytes);
      kernel(slots[0]!.byteOffset, world.smallBytes, size, 0, vectorEnd * bytes, rank * world.slotBytes);
    }
    if (vectorEnd < n) reduceK(slots, mine, vectorEnd, n, acc);
    // A staging buffer is the start of this rank's slot: the mean is already there.
    if (!isStaging(output)) output.set(mine.subarray(0, n));
  };

  /** Any buffer: staged into this rank's slot round by round, reduced there, gathered into `output`. */
  const allreduceInto = (input: FloatBuffer, output: FloatBuffer): void => {
    const n = input.length;
    const slots = slotsOf(input);
    const cap = slots[rank]!.length;
    // Every collective that reads peers' staging slots ends with a barrier after its last read
    // (the small path reads only small slots), so the first round can be staged before the
    // call's opening barrier, which then covers it.
    slots[rank]!.set(input.subarray(0, Math.min(cap, n)));
    begin(ALLREDUCE, n, -1, input.BYTES_PER_ELEMENT);
    for (let off = 0; off < n; off += cap) {
      const m = Math.min(cap, n - off);
      if (off > 0) {
        slots[rank]!.set(input.subarray(off, off + m));
        sync();
      }
      reduceShare(slots, ...shareOf(m, rank));
      sync();
      for (let j = 0; j < size; j++) {
        const [lo, hi] = shareOf(m, j);
        output.set(slots[j]!.subarray(lo, hi), off + lo);
      }
      // Nobody may stage the next round into its slot while a peer still copies from it.
      sync();
    }
  };

  return {
    transport: 'local',
    rank,
    size,
    slotBytes: world.slotBytes,
    allreduceMean(buffer) {
      checkFloat(buffer, 'allreduceMean');
      if (size === 1) return buffer.slice();
      const out =
        buffer instanceof Float64Array ? new Float64Array(buffer.length) : new Float32Array(buffer.length);
      if (buffer.byteLength <= world.smallBytes) allreduceSmall(buffer, out);
      else allreduceInto(buffer, out);
      return out;
    },
    allreduceMeanInPlace(buffer) {
      checkFloat(buffer, 'allreduceMeanInPlace');
      if (size === 1) return;
      if (buffer.byteLength <= world.smallBytes) allreduceSmall(buffer, buffer);
      else if (isStaging(buffer)) allreduceStaged(buffer);
      else allreduceInto(buffer, buffer);
    },
    stagingBuffer(length, dtype = 'float32') {
      const slot = (dtype === 'float64' ? f64 : f32)[rank]!;
      if (!Number.isInteger(length) || length < 0 || length > slot.length) {
        fail(`a staging buffer holds at most ${slot.length} ${dtype} values, asked for ${length}`, {
          where: 'local transport',
          hint: 'launch with a larger slotBytes, or reduce in pieces',
        });
      }
      return slot.subarray(0, length);
    },
    broadcast(buffer, root) {
      checkFloat(buffer, 'broadcast');
      if (!Number.isInteger(root) || root < 0 || root >= size) {
        fail(`root ${root} is outside a world of ${size}`, { where: 'broadcast' });
      }
      if (size === 1) return buffer.slice();
      begin(BROADCAST, buffer.length, root, buffer.BYTES_PER_ELEMENT);
      const out = buffer.slice();
      const slot = slotsOf(buffer)[root]!;
      for (let off = 0; off < buffer.length; off += slot.length) {
        const m = Math.min(slot.length, buffer.length - off);
        if (rank === root) slot.set(buffer.subarray(off, off + m));
        sync();
        if (rank !== root) out.set(slot.subarray(0, m), off);
        sync();
      }
      return out;
    },
    barrier() {
      if (size > 1) begin(BARRIER, 0, -1, 0);
    },
  };
}

function checkFloat(buffer: unknown, op: string): void {
  if (!(buffer instanceof Float32Array) && !(buffer instanceof Float64Array)) {
    fail('expected a Float32Array or Float64Array', { where: op, hint: 'flatten the tensors first' });
  }
}

/**
 * Σ_j slot_j[i] / K for i in [lo, hi), accumulated in float64 in rank order block by block
 * (the same arithmetic as the SIMD kernel and as meanOfBuffers), written to out. The fallback
 * where WebAssembly SIMD is missing, and the ragged tail otherwise.
 */
function reduceK(
  slots: readonly FloatBuffer[],
  out: FloatBuffer,
  lo: number,
  hi: number,
  acc: Float64Array,
): void {
  const k = slots.length;
  for (let b = lo; b < hi; b += acc.length) {
    const e = Math.min(hi, b + acc.length);
    const first = slots[0]!;
    for (let i = b; i < e; i++) acc[i - b] = first[i]!;
    for (let j = 1; j < k; j++) {
      const s = slots[j]!;
      for (let i = b; i < e; i++) acc[i - b]! += s[i]!;
    }
    for (let i = b; i < e; i++) out[i] = acc[i - b]! / k;
  }
}
