import type { TypedArray } from '../dtype.ts';
import type { Node } from '../ir/node.ts';
import { stridesOf } from '../shape.ts';
import { stridedCopy } from './strided.ts';

/**
 * Reference kernels for the non-elementwise primitives. Elementwise primitives are compiled by
 * `fusion.ts`. Reductions and matmul accumulate in float64 and round once when storing, which is
 * at least as accurate as any frontend we compare against; int32 results wrap modulo 2^32.
 *
 * A kernel writes every element of `out`, which the backend takes from its buffer pool and may
 * hold a previous kernel's values.
 */
export type Kernel = (node: Node, inputs: readonly TypedArray[], out: TypedArray) => void;

let scratchBuffer = new Float64Array(1024);

/**
 * Float64 accumulators of `size` elements (contents arbitrary), from one buffer that grows and is
 * reused: a fresh off-heap array per kernel call would cost an allocation and a GC sweep each.
 * Kernels run one at a time on a thread, and each module instance (one per worker thread) has its
 * own buffer, so one is enough.
 */
function scratch(size: number): Float64Array {
  if (scratchBuffer.length < size) scratchBuffer = new Float64Array(Math.max(size, 2 * scratchBuffer.length));
  return scratchBuffer.subarray(0, size);
}

export function reduceKernel(node: Node, [x]: readonly TypedArray[], out: TypedArray): void {
  const op = node.op;
  if (op.kind !== 'reduce') throw new Error('reduceKernel on non-reduce');
  const inShape = node.inputs[0]!.shape;
  const reduced = new Set(op.axes);
  // Output strides laid over the input's axes (0 on reduced axes) map every input element to
  // its output slot without materialising indices.
  const keptShape = inShape.filter((_, i) => !reduced.has(i));
  const keptStrides = stridesOf(keptShape);
  const outStrideOnInput: number[] = [];
  let k = 0;
  inShape.forEach((_, i) => {
    outStrideOnInput.push(reduced.has(i) ? 0 : keptStrides[k++]!);
  });
  const outSize = node.size;
  const acc = scratch(outSize);
  const fn = op.fn;
  // argmax writes its indices straight into the (int32) output
  const arg = fn === 'argmax' ? out : undefined;
  const axis = op.axes[0] ?? 0;
  acc.fill(fn === 'max' || fn === 'argmax' ? -Infinity : fn === 'min' ? Infinity : 0);
  arg?.fill(0);
  const rank = inShape.length;
  const index = new Array<number>(rank).fill(0);
  const n = x!.length;
  let o = 0;
  for (let i = 0; i < n; i++) {
    const v = x![i]!;
    const a = acc[o]!;
    if (fn === 'sum') acc[o] = a + v;
    else if (fn === 'max') {
      if (v > a || Number.isNaN(v)) acc[o] = Number.isNaN(a) ? a : v; // NaN propagates and sticks
    } else if (fn === 'min') {
      if (v < a || Number.isNaN(v)) acc[o] = Number.isNaN(a) ? a : v;
    } else if (!Number.isNaN(a) && (v > a || Number.isNaN(v))) {
      // argmax: the first maximum wins; NaN counts as the maximum (as in torch and numpy)
      acc[o] = v;
      arg![o] = index[axis]!;
    }
    // advance the multi-index and the output offset together
    for (let d = rank - 1; d >= 0; d--) {
      index[d]!++;
      o += outStrideOnInput[d]!;
      if (index[d]! < inShape[d]!) break;
      o -= outStrideOnInput[d]! * inShape[d]!;
      index[d] = 0;
    }
  }
  if (arg) return;
  if (node.dtype === 'int32') for (let i = 0; i < outSize; i++) out[i] = acc[i]! | 0;
  else out.set(acc);
}

export function transposeKernel(node: Node, [x]: readonly TypedArray[], out: TypedArray): void {
  const op = node.op;
  if (op.kind !== 'transpose') throw new Error('transposeKernel on non-transpose');
  const inStrides = stridesOf(node.inputs[0]!.shape);
  stridedCopy(
    x!,
    0,
    op.perm.map((p) => inStrides[p]!),
    out,
    0,
    stridesOf(node.shape),
    node.shape,
  );
}

export function expandKernel(node: Node, [x]: readonly TypedArray[], out: TypedArray): void {
  const inShape = node.inputs[0]!.shape;
  const inStrides = stridesOf(inShape).map((s, i) => (inShape[i] === 1 ? 0 : s));
  if (node.inputs[0]!.size === 1) out.fill(x![0]!);
  else stridedCopy(x!, 0, inStrides, out, 0, stridesOf(node.shape), node.shape);
}

export function sliceKernel(node: Node, [x]: readonly TypedArray[], out: TypedArray): void {
  const op = node.op;
  if (op.kind !== 'slice') throw new Error('sliceKernel on non-slice');
  const inStrides = stridesOf(node.inputs[0]!.shape);
  const offset = op.begin.reduce((acc, b, i) => acc + b * inStrides[i]!, 0);
  if (node.size > 0) stridedCopy(x!, offset, inStrides, out, 0, stridesOf(node.shape), node.shape);
}

export function padKernel(node: Node, [x]: readonly TypedArray[], out: TypedArray): void {
  const op = node.op;
  if (op.kind !== 'pad') throw new Error('padKernel on non-pad');
  out.fill(op.value);
  const outStrides = stridesOf(node.shape);
  const offset = op.pads.reduce((acc, [lo], i) => acc + lo * outStrides[i]!, 0);
  const inShape = node.inputs[0]!.shape;
  if (node.inputs[0]!.size > 0) stridedCopy(x!, 0, stridesOf(inShape), out, offset, outStrides, inShape);
}

export function concatKernel(node: Node, inputs: readonly TypedArray[], out: TypedArray): void {
  const op = node.op;
  if (op.kind !== 'concat') throw new Error('concatKernel on non-concat');
  const outStrides = stridesOf(node.shape);
  let at = 0;
  node.inputs.forEach((input, i) => {
    if (input.size > 0)
      stridedCopy(
        inputs[i]!,
        0,
        stridesOf(input.shape),
        out,
        at * outStrides[op.axis]!,
        outStrides,
        input.shape,
      );
    at += input.shape[op.axis]!;
  });
}

function store(out: TypedArray, at: number, acc: Float64Array, count: number, int: boolean): void {
  if (int) for (let j = 0; j < count; j++) out[at + j] = acc[j]! | 0;
  else out.set(acc.subarray(0, count), at);
}

export function matmulKernel(node: Node, [a, b]: readonly TypedArray[], out: TypedArray): void {
  const sa = node.inputs[0]!.shape;
  const sb = node.inputs[1]!.shape;
  const m = sa[sa.length - 2]!;
  const k = sa[sa.length - 1]!;
  const n = sb[sb.length - 1]!;
  const batches = node.size / Math.max(m * n, 1);
  // Four output rows are accumulated together (in float64) so each row of b is loaded once per
  // four rows of a; the i-k-j order walks b and the accumulators contiguously.
  const acc = scratch(4 * n);
  for (let bt = 0; bt < batches; bt++) {
    const ao = bt * m * k;
    const bo = bt * k * n;
    const oo = bt * m * n;
    let i = 0;
    for (; i + 4 <= m; i += 4) {
      acc.fill(0);
      for (let p = 0; p < k; p++) {
        const bRow = bo + p * n;
        const a0 = a![ao + i * k + p]!;
        const a1 = a![ao + (i + 1) * k + p]!;
        const a2 = a![ao + (i + 2) * k + p]!;
        const a3 = a![ao + (i + 3) * k + p]!;
        for (let j = 0; j < n; j++) {
          const bv = b![bRow + j]!;
          acc[j] = acc[j]! + a0 * bv;
          acc[n + j] = acc[n + j]! + a1 * bv;
          acc[2 * n + j] = acc[2 * n + j]! + a2 * bv;
          acc[3 * n + j] = acc[3 * n + j]! + a3 * bv;
        }
      }
      store(out, oo + i * n, acc, 4 * n, node.dtype === 'int32');
    }
    // remaining rows (and small batches) one at a time, without padded work
    for (; i < m; i++) {
      const row = acc.subarray(0, n);
      row.fill(0);
      for (let p = 0; p < k; p++) {
        const bRow = bo + p * n;
        const av = a![ao + i * k + p]!;
        for (let j = 0; j < n; j++) row[j] = row[j]! + av * b![bRow + j]!;
      }
      store(out, oo + i * n, row, n, node.dtype === 'int32');
    }
  }
}
