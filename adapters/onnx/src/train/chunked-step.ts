import type { Optimizer, TypedArray } from '@reptile/core';
import { optimizerStepProgram } from '../export/optimizer-step.ts';
import { compileProgram, type Program, type TensorSpec } from '../program.ts';
import { type CompiledGraph, STORAGE } from '../runtime/compiled.ts';
import { type ChunkPlan, chunkPlan, groupSlots, type ParamSlots } from './chunk-plan.ts';
import type { OnnxRunOptions } from './onnx-optimizer.ts';

/**
 * Default elements per chunk (1 MB of float32): large enough that the ~45-node Adam graph's per-run
 * overhead is small, small enough that onnxruntime-node's copy of each output stays in warm heap
 * memory, and the chunk's temporaries stay within L2/L3. Measured against 16K–1M in docs/onnx.md.
 */
export const DEFAULT_CHUNK_ELEMENTS = 262144;

/** One stretch of a parameter copied into (or out of) a chunk at `at`. */
interface Piece {
  readonly slots: ParamSlots;
  readonly from: number;
  readonly length: number;
  readonly at: number;
}

/**
 * An elementwise optimizer step run in place as a sequence of chunk-sized `session.run`s over all
 * parameters laid end to end, instead of one run over whole tensors. onnxruntime-node 1.30 copies
 * every output into a new ArrayBuffer after the run (even a preallocated one); for whole 40 MB
 * tensors those copies land in freshly mmapped, page-faulting memory, per chunk they stay small
 * and warm. onnxruntime writes each run's results into reused scratch outputs, which are copied
 * over the chunk's inputs after the run. Parameters at least a chunk long are fed as zero-copy
 * views; their tails and small parameters are packed into one chunk (zero-padded at the end).
 *
 * Results equal the whole-tensor graph's bit for bit: the chunk graph is the same optimizer traced
 * for one parameter, and `chunkPlan` proved every parameter runs that same elementwise
 * computation.
 */
export class ChunkedStep {
  readonly compiled: CompiledGraph;
  private readonly chunk: ChunkPlan;
  private readonly scratch: TypedArray[];
  private readonly scratchOut: TypedArray[];

  private constructor(
    private readonly plan: ChunkPlan,
    chunkProgram: Program,
    readonly chunkElements: number,
    options: OnnxRunOptions,
  ) {
    this.chunk = groupSlots(chunkProgram)!;
    // a chunk is already cache-sized: the lowering's Scan fusion inside it only added per-iteration
    // copies (Adam 10M in place: ~110 ms/step with it, ~75 ms without; docs/onnx.md)
    this.compiled = compileProgram(chunkProgram, { ...options, exactOutputShapes: true, fuse: false });
    this.scratch = chunkProgram.inputs.map((i) => new STORAGE[i.node.dtype](i.node.size));
    this.scratchOut = chunkProgram.outputs.map((o) => new STORAGE[o.node.dtype](o.node.size));
  }

  /** A chunked step for `program`, or undefined when it is not provably elementwise. */
  static create(
    optimizer: Optimizer,
    program: Program,
    params: readonly TensorSpec[],
    chunkElements: number,
    options: OnnxRunOptions = {},
  ): ChunkedStep | undefined {
    if (!Number.isInteger(chunkElements) || chunkElements < 1 || params.length === 0) return undefined;
    const dtype = params[0]!.dtype ?? 'float32';
    const chunkProgram = optimizerStepProgram(optimizer, [{ name: 'chunk', shape: [chunkElements], dtype }]);
    const plan = chunkPlan(program, chunkProgram);
    return plan && new ChunkedStep(plan, chunkProgram, chunkElements, options);
  }

  /**
   * Runs the whole program's update with `values` (in program-input order) and writes the results
   * into `target` (one array per program output), which may be the very input arrays the outputs
   * replace: each chunk's inputs are read before its results are copied over them.
   */
  runSync(values: readonly TypedArray[], target: readonly TypedArray[]): void {
    const out = [...target];
    const k = this.chunkElements;
    const size = (s: ParamSlots) => values[s.param]!.length;
    let pending: Piece[] = [];
    let filled = 0;
    const flush = () => {
      if (pending.length > 0) this.runPacked(values, out, pending, filled);
      pending = [];
      filled = 0;
    };
    for (const slots of this.plan.slots) {
      const n = size(slots);
      let from = 0;
      while (from < n) {
        if (filled === 0 && n - from >= k) {
          this.runView(values, out, slots, from);
          from += k;
          continue;
        }
        const length = Math.min(n - from, k - filled);
        pending.push({ slots, from, length, at: filled });
        filled += length;
        from += length;
        if (filled === k) flush();
      }
    }
    flush();
  }

  release(): void {
    this.compiled.release();
  }

  private scalars(values: readonly TypedArray[]): TypedArray[] {
    return this.plan.scalars.map((i) => values[i]!);
  }

  /** The chunk's inputs in chunk-program order: param, grad, state…, scalars. */
  private feed(slots: ParamSlots, pick: (v: TypedArray) => TypedArray, values: readonly TypedArray[]) {
    const feed: TypedArray[] = new Array(this.scratch.length);
    const c = this.chunk.slots[0]!;
    feed[c.param] = pick(values[slots.param]!);
    feed[c.grad] = pick(values[slots.grad]!);
    c.state.forEach((ci, j) => {
      feed[ci] = pick(values[slots.state[j]!]!);
    });
    const scalars = this.scalars(values);
    this.chunk.scalars.forEach((ci, j) => {
      feed[ci] = scalars[j]!;
    });
    return feed;
  }

  private runView(values: readonly TypedArray[], out: TypedArray[], slots: ParamSlots, from: number): void {
    const k = this.chunkElements;
    const c = this.chunk.slots[0]!;
    // onnxruntime writes into the reused scratch outputs (no per-run JS allocation of ours)
    this.compiled.runSync(
      this.feed(slots, (v) => v.subarray(from, from + k), values),
      this.scratchOut,
    );
    slots.outputs.forEach((o, j) => {
      out[o]!.set(this.scratchOut[c.outputs[j]!]!, from);
    });
  }

  /** Gathers `pieces` into the scratch chunk (zero past `filled`), runs it, scatters the results. */
  private runPacked(values: readonly TypedArray[], out: TypedArray[], pieces: Piece[], filled: number): void {
    const c = this.chunk.slots[0]!;
    const perParam = [c.param, c.grad, ...c.state];
    for (const piece of pieces) {
      const src = [piece.slots.param, piece.slots.grad, ...piece.slots.state];
      perParam.forEach((ci, j) => {
        this.scratch[ci]!.set(values[src[j]!]!.subarray(piece.from, piece.from + piece.length), piece.at);
      });
    }
    for (const ci of perParam) this.scratch[ci]!.fill(0, filled);
    const feed = this.scratch.slice();
    const scalars = this.scalars(values);
    this.chunk.scalars.forEach((ci, j) => {
      feed[ci] = scalars[j]!;
    });
    const results = this.compiled.runSync(feed, this.scratchOut);
    for (const piece of pieces) {
      piece.slots.outputs.forEach((o, j) => {
        out[o]!.set(results[c.outputs[j]!]!.subarray(piece.at, piece.at + piece.length), piece.from);
      });
    }
  }
}
