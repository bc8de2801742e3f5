import type { Optimizer, TypedArray } from '@reptile/core';
import { optimizerStepProgram } from '../export/optimizer-step.ts';
import { bindProgram, type Program, programModel, type TensorSpec } from '../program.ts';
import { type CompiledGraph, STORAGE } from '../runtime/compiled.ts';
import { type ChunkPlan, chunkPlan, groupSlots, type ParamSlots } from './chunk-plan.ts';
import { inPlaceSafety, overlaps, sameMemory } from './in-place.ts';
import type { OnnxRunOptions } from './onnx-optimizer.ts';
import { splitPrelude } from './step-prelude.ts';

/**
 * Default elements per chunk (1 MB of float32): large enough that the per-run overhead is small,
 * small enough that onnxruntime-node's copy of each output stays in warm heap memory and the
 * chunk's temporaries stay within L2/L3. Measured against 16K–1M in docs/onnx.md; with the step
 * prelude and direct writes 128K and 256K tie and 64K or 512K+ are slower (Adam 10M, 1 thread).
 */
export const DEFAULT_CHUNK_ELEMENTS = 262144;

/** How a chunked step runs; the defaults are the fastest measured (docs/onnx.md). */
export interface ChunkedStepOptions {
  /** Compute the step-only scalars once per step in a prelude session. Default true. */
  readonly prelude?: boolean;
  /**
   * Let onnxruntime write a chunk's results straight into the target arrays (over its inputs when
   * the graph allows it, see in-place.ts) instead of into scratch arrays copied afterwards.
   * Default true.
   */
  readonly direct?: boolean;
}

/** Lowers `program` and binds it to onnxruntime, keeping the ONNX graph for analysis. */
function compile(program: Program, options: OnnxRunOptions) {
  const lowered = programModel(program, { ...options, exactOutputShapes: true, fuse: false });
  return { compiled: bindProgram(program, lowered, options), graph: lowered.model.graph };
}

/** One stretch of a parameter copied into (or out of) a chunk at `at`. */
interface Piece {
  readonly slots: ParamSlots;
  readonly from: number;
  readonly length: number;
  readonly at: number;
}

/** Where one scalar input of the chunk graph comes from: a prelude output or a program input. */
interface ScalarSource {
  readonly prelude: boolean;
  readonly index: number;
}

/**
 * An elementwise optimizer step run in place as a sequence of chunk-sized `session.run`s over all
 * parameters laid end to end, instead of one run over whole tensors. onnxruntime-node 1.30 copies
 * every output into a new ArrayBuffer after the run (even a preallocated one); for whole 40 MB
 * tensors those copies land in freshly mmapped, page-faulting memory, per chunk they stay small
 * and warm. Parameters at least a chunk long are fed as zero-copy views; their tails and small
 * parameters are packed into one scratch chunk (zero-padded at the end).
 *
 * Per step, in order of what it saved (Adam 10M, side by side in one process, docs/onnx.md):
 * - onnxruntime writes a view chunk's results straight into the target arrays, over the very
 *   inputs they replace when the graph reads each such input before writing its output
 *   (in-place.ts); otherwise, and for packed chunks, into scratch outputs copied afterwards.
 * - the step's scalars (bias corrections, −lr) are computed once by a prelude session and fed to
 *   every chunk (step-prelude.ts), so the chunk graph holds only the per-element update (Adam: 14
 *   nodes instead of ~44).
 *
 * Results equal the whole-tensor graph's bit for bit: the chunk graph is the same optimizer traced
 * for one parameter, `chunkPlan` proved every parameter runs that same elementwise computation,
 * and the prelude computes the same scalars with the same kernels.
 */
export class ChunkedStep {
  readonly compiled: CompiledGraph;
  /** The per-step scalars every chunk reads, computed once per step (step-prelude.ts). */
  readonly prelude: CompiledGraph | undefined;
  private readonly chunk: ChunkPlan;
  private readonly scalarSources: readonly ScalarSource[];
  /** Program-input indices of the prelude's inputs, in prelude order. */
  private readonly preludeInputs: readonly number[];
  private readonly scratch: TypedArray[];
  private readonly scratchOut: TypedArray[];
  /** safe[i][o]: chunk output o may be written over chunk input i (in-place.ts); undefined: never direct. */
  private readonly safe: readonly (readonly boolean[])[] | undefined;

  private constructor(
    private readonly plan: ChunkPlan,
    program: Program,
    chunkProgram: Program,
    readonly chunkElements: number,
    options: OnnxRunOptions,
    stepOptions: ChunkedStepOptions,
  ) {
    const split = (stepOptions.prelude ?? true) ? splitPrelude(chunkProgram) : undefined;
    const body = split?.body ?? chunkProgram;
    this.chunk = groupSlots(body)!;
    // a chunk is already cache-sized: the lowering's Scan fusion inside it only added per-iteration
    // copies (Adam 10M in place: ~110 ms/step with it, ~75 ms without; docs/onnx.md)
    const { compiled, graph } = compile(body, options);
    this.compiled = compiled;
    this.safe =
      (stepOptions.direct ?? true)
        ? inPlaceSafety(
            graph,
            body.inputs.map((i) => i.name),
            body.outputs.map((o) => o.name),
          )
        : undefined;
    this.prelude = split && compile(split.prelude, options).compiled;
    // chunkPlan checked that the chunk's scalar inputs are the program's, by name
    const programIndex = new Map(program.inputs.map((input, i) => [input.name, i]));
    this.preludeInputs = (split?.prelude.inputs ?? []).map((input) => programIndex.get(input.name)!);
    const preludeOutput = new Map(split?.prelude.outputs.map((o, k) => [o.name, k]));
    this.scalarSources = this.chunk.scalars.map((ci) => {
      const name = body.inputs[ci]!.name;
      const k = preludeOutput.get(name);
      return k === undefined
        ? { prelude: false, index: programIndex.get(name)! }
        : { prelude: true, index: k };
    });
    this.scratch = body.inputs.map((i) => new STORAGE[i.node.dtype](i.node.size));
    this.scratchOut = body.outputs.map((o) => new STORAGE[o.node.dtype](o.node.size));
  }

  /** A chunked step for `program`, or undefined when it is not provably elementwise. */
  static create(
    optimizer: Optimizer,
    program: Program,
    params: readonly TensorSpec[],
    chunkElements: number,
    options: OnnxRunOptions = {},
    stepOptions: ChunkedStepOptions = {},
  ): ChunkedStep | undefined {
    if (!Number.isInteger(chunkElements) || chunkElements < 1 || params.length === 0) return undefined;
    const dtype = params[0]!.dtype ?? 'float32';
    const chunkProgram = optimizerStepProgram(optimizer, [{ name: 'chunk', shape: [chunkElements], dtype }]);
    const plan = chunkPlan(program, chunkProgram);
    return plan && new ChunkedStep(plan, program, chunkProgram, chunkElements, options, stepOptions);
  }

  /**
   * Runs the whole program's update with `values` (in program-input order) and writes the results
   * into `target` (one array per program output), which may be the very input arrays the outputs
   * replace: each chunk's inputs are read before its results are copied over them, or onnxruntime
   * writes them there directly when the graph reads each overwritten input first (in-place.ts).
   * A target must be its input's very memory or memory no input uses (stepInPlace checks this).
   */
  runSync(values: readonly TypedArray[], target: readonly TypedArray[]): void {
    const out = [...target];
    const scalars = this.scalars(values);
    const k = this.chunkElements;
    const size = (s: ParamSlots) => values[s.param]!.length;
    let pending: Piece[] = [];
    let filled = 0;
    const flush = () => {
      if (pending.length > 0) this.runPacked(values, scalars, out, pending, filled);
      pending = [];
      filled = 0;
    };
    for (const slots of this.plan.slots) {
      const n = size(slots);
      let from = 0;
      while (from < n) {
        if (filled === 0 && n - from >= k) {
          this.runView(values, scalars, out, slots, from);
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
    this.prelude?.release();
  }

  /** This step's scalar chunk inputs, in chunk order: the prelude runs once, here. */
  private scalars(values: readonly TypedArray[]): TypedArray[] {
    const computed = this.prelude?.runSync(this.preludeInputs.map((i) => values[i]!)) ?? [];
    return this.scalarSources.map((s) => (s.prelude ? computed[s.index]! : values[s.index]!));
  }

  /** The chunk's inputs in chunk-program order: param, grad, state…, scalars. */
  private feed(
    slots: ParamSlots,
    pick: (v: TypedArray) => TypedArray,
    values: readonly TypedArray[],
    scalars: readonly TypedArray[],
  ) {
    const feed: TypedArray[] = new Array(this.scratch.length);
    const c = this.chunk.slots[0]!;
    feed[c.param] = pick(values[slots.param]!);
    feed[c.grad] = pick(values[slots.grad]!);
    c.state.forEach((ci, j) => {
      feed[ci] = pick(values[slots.state[j]!]!);
    });
    this.chunk.scalars.forEach((ci, j) => {
      feed[ci] = scalars[j]!;
    });
    return feed;
  }

  private runView(
    values: readonly TypedArray[],
    scalars: readonly TypedArray[],
    out: TypedArray[],
    slots: ParamSlots,
    from: number,
  ): void {
    const k = this.chunkElements;
    const c = this.chunk.slots[0]!;
    const feed = this.feed(slots, (v) => v.subarray(from, from + k), values, scalars);
    const into = this.scratchOut.slice();
    slots.outputs.forEach((o, j) => {
      into[c.outputs[j]!] = out[o]!.subarray(from, from + k);
    });
    if (this.writableDirectly(feed, into)) {
      this.compiled.runSync(feed, into);
      return;
    }
    // onnxruntime writes into the reused scratch outputs (no per-run JS allocation of ours)
    this.compiled.runSync(feed, this.scratchOut);
    slots.outputs.forEach((o, j) => {
      out[o]!.set(this.scratchOut[c.outputs[j]!]!, from);
    });
  }

  /**
   * Whether onnxruntime may write the chunk's results straight into `into`: each target is either
   * memory no input or other target uses, or exactly the input the graph may overwrite in place.
   */
  private writableDirectly(feed: readonly TypedArray[], into: readonly TypedArray[]): boolean {
    const safe = this.safe;
    if (!safe) return false;
    return into.every((t, o) => {
      if (into.some((u, p) => p !== o && overlaps(t, u))) return false;
      return feed.every((f, i) => !overlaps(t, f) || (sameMemory(t, f) && safe[i]![o]!));
    });
  }

  /** Gathers `pieces` into the scratch chunk (zero past `filled`), runs it, scatters the results. */
  private runPacked(
    values: readonly TypedArray[],
    scalars: readonly TypedArray[],
    out: TypedArray[],
    pieces: Piece[],
    filled: number,
  ): void {
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
