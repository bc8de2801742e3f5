import type { TypedArray } from '../dtype.ts';
import type { Node } from '../ir/node.ts';

/**
 * The `conv2d` primitive as im2col + a blocked float64 product, per image and group: the
 * group's weights [og, cg·kh·kw] times the patch matrix [cg·kh·kw, outRows·outCols] (zero where
 * a tap falls in the padding), or the same product transposed when there are fewer pixels than
 * output channels. Everything accumulates in float64 and each output is rounded once, as matmul
 * does, so float32 results equal the exactly rounded sum.
 */
export function conv2dKernel(node: Node, [x, w]: readonly TypedArray[], out: TypedArray): void {
  const op = node.op;
  if (op.kind !== 'conv2d') throw new Error('conv2dKernel on another op');
  const [n, c, h, wd] = node.inputs[0]!.shape as [number, number, number, number];
  const [o, cg, kh, kw] = node.inputs[1]!.shape as [number, number, number, number];
  const [, , oh, ow] = node.shape as [number, number, number, number];
  const groups = op.groups;
  const og = o / groups;
  const depth = cg * kh * kw;
  const pixels = oh * ow;
  const rows = Array.from({ length: kh }, (_, r) =>
    taps(oh, op.strides[0], r * op.dilations[0] - op.pads[0][0], h),
  );
  const cols = Array.from({ length: kw }, (_, t) =>
    taps(ow, op.strides[1], t * op.dilations[1] - op.pads[1][0], wd),
  );
  const geometry = { cg, kh, kw, h, wd, ow, rows, cols };
  // The product's inner loop runs over its longer side: pixels (forward passes, depthwise
  // convolutions) or output channels (the weight gradient: few pixels, many channels).
  const pixelsInner = pixels >= og;
  // Patches of a large image are built a band of output rows at a time, so the scratch stays
  // under PATCH_LIMIT doubles (a whole 224×224 image with 3×3×64 taps would be 230 MB).
  const bandRows = pixelsInner ? Math.max(1, Math.min(oh, Math.floor(PATCH_LIMIT / (depth * ow)))) : oh;
  const bandPixels = bandRows * ow;
  const patches = new Float64Array(bandPixels * depth);
  const weights = new Float64Array(depth * og);
  const product = new Float64Array(bandPixels * og);
  for (let g = 0; g < groups; g++) {
    const first = g * og * depth;
    if (pixelsInner) weights.set(w!.subarray(first, first + og * depth));
    // otherwise the group's weights transposed to [depth, og]
    else
      for (let m = 0; m < og; m++)
        for (let k = 0; k < depth; k++) weights[k * og + m] = w![first + m * depth + k]!;
    for (let b = 0; b < n; b++) {
      const image = (b * c + g * cg) * h * wd;
      const planes = (b * o + g * og) * pixels;
      if (pixelsInner) {
        // [og, depth] × [depth, band pixels]: each row of the product is a band of an output plane
        for (let top = 0; top < oh; top += bandRows) {
          const bottom = Math.min(oh, top + bandRows);
          const count = (bottom - top) * ow;
          fillPatches(patches, x!, image, geometry, top, bottom, 1, count);
          multiply(weights, patches, product, og, depth, count);
          for (let m = 0; m < og; m++)
            out.set(product.subarray(m * count, (m + 1) * count), planes + m * pixels + top * ow);
        }
      } else {
        fillPatches(patches, x!, image, geometry, 0, oh, depth, 1);
        multiply(patches, weights, product, pixels, depth, og);
        for (let m = 0; m < og; m++)
          for (let p = 0; p < pixels; p++) out[planes + m * pixels + p] = product[p * og + m]!;
      }
    }
  }
}

/** Most doubles one band of patches may hold (16 MB). */
const PATCH_LIMIT = 1 << 21;

/** Input index of each output position along one axis for one kernel tap, −1 in the padding. */
function taps(count: number, stride: number, offset: number, size: number): Int32Array {
  return Int32Array.from({ length: count }, (_, i) => {
    const at = i * stride + offset;
    return at >= 0 && at < size ? at : -1;
  });
}

interface PatchGeometry {
  readonly cg: number;
  readonly kh: number;
  readonly kw: number;
  readonly h: number;
  readonly wd: number;
  readonly ow: number;
  readonly rows: readonly Int32Array[];
  readonly cols: readonly Int32Array[];
}

/**
 * patches[p·pixelStride + k·depthStride] = x[first + ci, rows[r][i], cols[t][j]] for the output
 * rows i in [top, bottom), pixel p = (i − top)·ow + j and tap k = (ci·kh + r)·kw + t; 0 in the
 * padding.
 */
function fillPatches(
  patches: Float64Array,
  x: TypedArray,
  first: number,
  g: PatchGeometry,
  top: number,
  bottom: number,
  pixelStride: number,
  depthStride: number,
): void {
  for (let ci = 0; ci < g.cg; ci++) {
    const plane = first + ci * g.h * g.wd;
    for (let r = 0; r < g.kh; r++) {
      const rowOf = g.rows[r]!;
      for (let t = 0; t < g.kw; t++) {
        const colOf = g.cols[t]!;
        const k = (ci * g.kh + r) * g.kw + t;
        for (let i = top; i < bottom; i++) {
          const row = rowOf[i]!;
          const base = (i - top) * g.ow * pixelStride + k * depthStride;
          if (row < 0) {
            for (let j = 0; j < g.ow; j++) patches[base + j * pixelStride] = 0;
            continue;
          }
          const xRow = plane + row * g.wd;
          for (let j = 0; j < g.ow; j++) {
            const col = colOf[j]!;
            patches[base + j * pixelStride] = col < 0 ? 0 : x[xRow + col]!;
          }
        }
      }
    }
  }
}

/** out[m×n] = a[m×k] · b[k×n], four rows at a time so each row of b is read once per four rows of a. */
function multiply(
  a: Float64Array,
  b: Float64Array,
  out: Float64Array,
  m: number,
  k: number,
  n: number,
): void {
  out.fill(0);
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const o0 = i * n;
    for (let p = 0; p < k; p++) {
      const a0 = a[i * k + p]!;
      const a1 = a[(i + 1) * k + p]!;
      const a2 = a[(i + 2) * k + p]!;
      const a3 = a[(i + 3) * k + p]!;
      const bRow = p * n;
      for (let j = 0; j < n; j++) {
        const bv = b[bRow + j]!;
        out[o0 + j] = out[o0 + j]! + a0 * bv;
        out[o0 + n + j] = out[o0 + n + j]! + a1 * bv;
        out[o0 + 2 * n + j] = out[o0 + 2 * n + j]! + a2 * bv;
        out[o0 + 3 * n + j] = out[o0 + 3 * n + j]! + a3 * bv;
      }
    }
  }
  for (; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const av = a[i * k + p]!;
      const bRow = p * n;
      for (let j = 0; j < n; j++) out[i * n + j] = out[i * n + j]! + av * b[bRow + j]!;
    }
  }
}
