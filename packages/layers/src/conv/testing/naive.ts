/**
 * Direct float64 loop implementations, the oracles for the conv and pool tests. Written from the
 * definition (out[n, r, c, f] = Σ x[n, r·s + i·d − pad, ...] · k[i, j, ch, f]) and independent
 * of the im2col code under test. Layouts: NHWC images, HWIO kernels, explicit pads.
 */

export interface NaiveImage {
  readonly data: Float64Array;
  /** [N, H, W, C] */
  readonly shape: readonly [number, number, number, number];
}

export interface NaiveWindow {
  readonly kernel: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly dilation: readonly [number, number];
  /** [[top, bottom], [left, right]] */
  readonly pads: readonly (readonly [number, number])[];
}

function outSize(size: number, k: number, s: number, d: number, pad: readonly [number, number]): number {
  return Math.floor((size + pad[0] + pad[1] - (k - 1) * d - 1) / s) + 1;
}

export function naiveConv(
  x: NaiveImage,
  kernel: Float64Array,
  bias: Float64Array | undefined,
  filters: number,
  groups: number,
  w: NaiveWindow,
): NaiveImage {
  const [n, h, wd, c] = x.shape;
  const [kh, kw] = w.kernel;
  const cg = c / groups;
  const fg = filters / groups;
  const oh = outSize(h, kh, w.strides[0], w.dilation[0], w.pads[0]!);
  const ow = outSize(wd, kw, w.strides[1], w.dilation[1], w.pads[1]!);
  const out = new Float64Array(n * oh * ow * filters);
  for (let b = 0; b < n; b++)
    for (let r = 0; r < oh; r++)
      for (let q = 0; q < ow; q++)
        for (let f = 0; f < filters; f++) {
          const g = Math.floor(f / fg);
          let acc = bias ? bias[f]! : 0;
          for (let i = 0; i < kh; i++) {
            const y = r * w.strides[0] + i * w.dilation[0] - w.pads[0]![0];
            if (y < 0 || y >= h) continue;
            for (let j = 0; j < kw; j++) {
              const z = q * w.strides[1] + j * w.dilation[1] - w.pads[1]![0];
              if (z < 0 || z >= wd) continue;
              for (let ch = 0; ch < cg; ch++) {
                const xv = x.data[((b * h + y) * wd + z) * c + g * cg + ch]!;
                acc += xv * kernel[((i * kw + j) * cg + ch) * filters + f]!;
              }
            }
          }
          out[((b * oh + r) * ow + q) * filters + f] = acc;
        }
  return { data: out, shape: [n, oh, ow, filters] };
}

/** Max or mean over the real cells of each window (padding never counts). */
export function naivePool(x: NaiveImage, mode: 'max' | 'avg', w: NaiveWindow): NaiveImage {
  const [n, h, wd, c] = x.shape;
  const [kh, kw] = w.kernel;
  const oh = outSize(h, kh, w.strides[0], 1, w.pads[0]!);
  const ow = outSize(wd, kw, w.strides[1], 1, w.pads[1]!);
  const out = new Float64Array(n * oh * ow * c);
  for (let b = 0; b < n; b++)
    for (let r = 0; r < oh; r++)
      for (let q = 0; q < ow; q++)
        for (let ch = 0; ch < c; ch++) {
          let acc = mode === 'max' ? Number.NEGATIVE_INFINITY : 0;
          let count = 0;
          for (let i = 0; i < kh; i++) {
            const y = r * w.strides[0] + i - w.pads[0]![0];
            if (y < 0 || y >= h) continue;
            for (let j = 0; j < kw; j++) {
              const z = q * w.strides[1] + j - w.pads[1]![0];
              if (z < 0 || z >= wd) continue;
              const v = x.data[((b * h + y) * wd + z) * c + ch]!;
              acc = mode === 'max' ? Math.max(acc, v) : acc + v;
              count++;
            }
          }
          out[((b * oh + r) * ow + q) * c + ch] = mode === 'max' ? acc : acc / count;
        }
  return { data: out, shape: [n, oh, ow, c] };
}

/** A reproducible pseudo-random array in [−1, 1) (tests need fixed data, not quality). */
export function randomArray(length: number, seed: number): Float64Array {
  let s = seed >>> 0 || 1;
  return Float64Array.from({ length }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  });
}
