import { fail, Tensor } from '@reptile/core';

/**
 * Recurrent weight conventions and the conversions between them. Reptile keeps Keras' layout:
 * kernel [in, G·u], recurrentKernel [u, G·u], gate blocks side by side along the last axis.
 *
 * | | Keras (Reptile) | PyTorch | ONNX |
 * | LSTM gates | i, f, c, o | i, f, g, o (g ≡ c) | i, o, f, c |
 * | GRU gates | z, r, h | r, z, n (n ≡ h) | z, r, h |
 * | layout | [in, G·u] | weight_ih [G·u, in] | W [dirs, G·u, in] |
 * | LSTM bias | [4u] | b_ih, b_hh (only the sum matters) | B = [Wb, Rb] (sum) |
 * | GRU bias | [2, 3u] resetAfter, [3u] otherwise | b_ih, b_hh; always reset-after | B = [Wb, Rb]; linear_before_reset = resetAfter |
 *
 * Gate letters below use the Keras names for every framework (torch's g is c, its n is h).
 */
export const LSTM_GATES = { keras: 'ifco', torch: 'ifco', onnx: 'iofc' } as const;
export const GRU_GATES = { keras: 'zrh', torch: 'rzh', onnx: 'zrh' } as const;

export interface KerasRecurrentWeights {
  readonly kernel: Tensor;
  readonly recurrentKernel: Tensor;
  readonly bias?: Tensor;
}

export interface TorchRecurrentWeights {
  /** [G·u, in] */
  readonly weightIh: Tensor;
  /** [G·u, u] */
  readonly weightHh: Tensor;
  readonly biasIh?: Tensor;
  readonly biasHh?: Tensor;
}

/** One direction of an ONNX LSTM/GRU: W [1, G·u, in], R [1, G·u, u], B [1, 2·G·u]. */
export interface OnnxRecurrentWeights {
  readonly W: Tensor;
  readonly R: Tensor;
  readonly B?: Tensor;
}

/** Reorders the gate blocks along `axis` from order `from` to order `to` (both strings of gate letters). */
export function reorderGates(t: Tensor, axis: number, from: string, to: string): Tensor {
  const ax = axis < 0 ? axis + t.rank : axis;
  const size = t.shape[ax]!;
  const gates = from.length;
  if ([...to].sort().join('') !== [...from].sort().join('') || size % gates !== 0) {
    fail(`cannot reorder ${size} entries from gates '${from}' to '${to}'`, {
      where: 'reorderGates',
      hint: `axis ${axis} must hold ${gates} equal gate blocks`,
    });
  }
  if (from === to) return t;
  const u = size / gates;
  const block = (g: string) => {
    const k = from.indexOf(g);
    const begin = t.shape.map((_, i) => (i === ax ? k * u : 0));
    const end = t.shape.map((d, i) => (i === ax ? (k + 1) * u : d));
    return t.slice(begin, end);
  };
  return Tensor.concat([...to].map(block), ax);
}

const t2 = (m: Tensor) => m.transpose([1, 0]);

function sumBiases(a: Tensor | undefined, b: Tensor | undefined): Tensor | undefined {
  return a && b ? a.add(b) : (a ?? b);
}

function checkGateRows(w: Tensor, gates: number, where: string): number {
  if (w.rank !== 2 || w.shape[0]! % gates !== 0) {
    fail(`expected [${gates}·units, features], got [${w.shape}]`, {
      where,
      hint: 'pass the weights of one layer and one direction',
    });
  }
  return w.shape[0]! / gates;
}

function oneDirection(t: Tensor, where: string): Tensor {
  if (t.shape[0] !== 1) {
    fail(`has ${t.shape[0]} directions`, {
      where,
      hint: 'only single-direction recurrences convert to one layer; split a bidirectional node into two layers',
    });
  }
  return t.reshape(t.shape.slice(1));
}

// ---- LSTM -------------------------------------------------------------------------------------

/** torch nn.LSTM (one layer, one direction) → Keras; the two biases fold into one sum. */
export function lstmFromTorch(w: TorchRecurrentWeights): KerasRecurrentWeights {
  checkGateRows(w.weightIh, 4, 'lstmFromTorch.weightIh');
  const bias = sumBiases(w.biasIh, w.biasHh);
  // Torch's order equals Keras' (g is Keras' c): only the layout is transposed.
  return { kernel: t2(w.weightIh), recurrentKernel: t2(w.weightHh), ...(bias ? { bias } : {}) };
}

/** Keras → torch; the whole bias goes to b_ih and b_hh is zero (any split of the sum is equivalent). */
export function lstmToTorch(w: KerasRecurrentWeights): TorchRecurrentWeights {
  const base = { weightIh: t2(w.kernel), weightHh: t2(w.recurrentKernel) };
  return w.bias ? { ...base, biasIh: w.bias, biasHh: Tensor.zeros(w.bias.shape, w.bias.dtype) } : base;
}

/** ONNX LSTM (no peepholes) → Keras: reorder i, o, f, c to i, f, c, o and sum Wb + Rb. */
export function lstmFromOnnx(w: OnnxRecurrentWeights): KerasRecurrentWeights {
  const W = oneDirection(w.W, 'lstmFromOnnx.W');
  const R = oneDirection(w.R, 'lstmFromOnnx.R');
  const units = checkGateRows(W, 4, 'lstmFromOnnx.W');
  const toKeras = (m: Tensor, axis: number) => reorderGates(m, axis, LSTM_GATES.onnx, LSTM_GATES.keras);
  const out = { kernel: t2(toKeras(W, 0)), recurrentKernel: t2(toKeras(R, 0)) };
  if (!w.B) return out;
  const B = oneDirection(w.B, 'lstmFromOnnx.B');
  const wb = B.slice([0], [4 * units]);
  const rb = B.slice([4 * units], [8 * units]);
  return { ...out, bias: toKeras(wb.add(rb), 0) };
}

export function lstmToOnnx(w: KerasRecurrentWeights): OnnxRecurrentWeights {
  const toOnnx = (m: Tensor) => reorderGates(m, -1, LSTM_GATES.keras, LSTM_GATES.onnx);
  const W = t2(toOnnx(w.kernel)).expandDims(0);
  const R = t2(toOnnx(w.recurrentKernel)).expandDims(0);
  if (!w.bias) return { W, R };
  const bias = toOnnx(w.bias);
  return { W, R, B: Tensor.concat([bias, Tensor.zeros(bias.shape, bias.dtype)], 0).expandDims(0) };
}

// ---- GRU --------------------------------------------------------------------------------------

/** torch nn.GRU → Keras GRU with resetAfter = true (torch's n gate is always reset-after). */
export function gruFromTorch(w: TorchRecurrentWeights): KerasRecurrentWeights {
  const units = checkGateRows(w.weightIh, 3, 'gruFromTorch.weightIh');
  const toKeras = (m: Tensor, axis: number) => reorderGates(m, axis, GRU_GATES.torch, GRU_GATES.keras);
  const out = { kernel: t2(toKeras(w.weightIh, 0)), recurrentKernel: t2(toKeras(w.weightHh, 0)) };
  if (!w.biasIh && !w.biasHh) return out;
  const dtype = w.weightIh.dtype;
  const row = (b: Tensor | undefined) => toKeras(b ?? Tensor.zeros([3 * units], dtype), 0);
  return { ...out, bias: Tensor.stack([row(w.biasIh), row(w.biasHh)], 0) };
}

/** Keras GRU → torch; only resetAfter = true has a torch equivalent. */
export function gruToTorch(w: KerasRecurrentWeights, resetAfter: boolean): TorchRecurrentWeights {
  if (!resetAfter) {
    fail('a GRU with resetAfter = false has no PyTorch equivalent', {
      where: 'gruToTorch',
      hint: 'torch.nn.GRU applies the reset gate after the recurrent matmul; retrain or export to ONNX (linear_before_reset = 0)',
    });
  }
  const toTorch = (m: Tensor) => reorderGates(m, -1, GRU_GATES.keras, GRU_GATES.torch);
  const base = { weightIh: t2(toTorch(w.kernel)), weightHh: t2(toTorch(w.recurrentKernel)) };
  if (!w.bias) return base;
  const width = w.bias.shape[1]!;
  const row = (r: number) => toTorch(w.bias!.slice([r, 0], [r + 1, width]).reshape([width]));
  return { ...base, biasIh: row(0), biasHh: row(1) };
}

/**
 * ONNX GRU → Keras. linear_before_reset = 1 is Keras' resetAfter (bias rows [Wb, Rb]); with 0,
 * Rb enters every gate outside the reset product, so Wb + Rb is the Keras [3u] bias exactly.
 */
export function gruFromOnnx(
  w: OnnxRecurrentWeights,
  linearBeforeReset: number,
): { weights: KerasRecurrentWeights; resetAfter: boolean } {
  const W = oneDirection(w.W, 'gruFromOnnx.W');
  const R = oneDirection(w.R, 'gruFromOnnx.R');
  const units = checkGateRows(W, 3, 'gruFromOnnx.W');
  const resetAfter = linearBeforeReset !== 0;
  // ONNX's gate order is Keras' z, r, h: only the layout changes.
  const out = { kernel: t2(W), recurrentKernel: t2(R) };
  if (!w.B) return { weights: out, resetAfter };
  const B = oneDirection(w.B, 'gruFromOnnx.B');
  const wb = B.slice([0], [3 * units]);
  const rb = B.slice([3 * units], [6 * units]);
  const bias = resetAfter ? Tensor.stack([wb, rb], 0) : wb.add(rb);
  return { weights: { ...out, bias }, resetAfter };
}

export function gruToOnnx(
  w: KerasRecurrentWeights,
  resetAfter: boolean,
): OnnxRecurrentWeights & { linearBeforeReset: 0 | 1 } {
  const W = t2(w.kernel).expandDims(0);
  const R = t2(w.recurrentKernel).expandDims(0);
  const linearBeforeReset = resetAfter ? 1 : 0;
  if (!w.bias) return { W, R, linearBeforeReset };
  const bias = resetAfter
    ? w.bias.reshape([-1])
    : Tensor.concat([w.bias, Tensor.zeros(w.bias.shape, w.bias.dtype)], 0);
  return { W, R, B: bias.expandDims(0), linearBeforeReset };
}
