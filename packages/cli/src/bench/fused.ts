/**
 * The peers of the core suite: one hand-written loop per optimizer over Float32Arrays, updating in
 * place with PyTorch's single-tensor semantics. This is the fastest plain-JS form of the update,
 * so the ratio says what Reptile's generality (lazy graph, fusion, realisation) costs.
 */
export interface FusedAdam {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
}

export interface AdamBuffers {
  readonly m: Float32Array[];
  readonly v: Float32Array[];
  /** Updates applied so far. */
  step: number;
}

export function adamBuffers(params: readonly Float32Array[]): AdamBuffers {
  return {
    m: params.map((p) => new Float32Array(p.length)),
    v: params.map((p) => new Float32Array(p.length)),
    step: 0,
  };
}

/** torch.optim.Adam (amsgrad off, no weight decay): p -= lr/bc1 · m / (sqrt(v)/sqrt(bc2) + eps). */
export function fusedAdamStep(
  h: FusedAdam,
  params: Float32Array[],
  grads: readonly Float32Array[],
  s: AdamBuffers,
): void {
  s.step += 1;
  const stepSize = h.lr / (1 - h.beta1 ** s.step);
  const bc2Sqrt = Math.sqrt(1 - h.beta2 ** s.step);
  const { beta1, beta2, eps } = h;
  const c1 = 1 - beta1;
  const c2 = 1 - beta2;
  for (let k = 0; k < params.length; k++) {
    const p = params[k]!;
    const g = grads[k]!;
    const m = s.m[k]!;
    const v = s.v[k]!;
    for (let i = 0; i < p.length; i++) {
      const gi = g[i]!;
      // Rounded as torch stores them, so p's update reads the same float32 moments.
      const mi = Math.fround(beta1 * m[i]! + c1 * gi);
      const vi = Math.fround(beta2 * v[i]! + c2 * gi * gi);
      m[i] = mi;
      v[i] = vi;
      p[i] = p[i]! - (stepSize * mi) / (Math.sqrt(vi) / bc2Sqrt + eps);
    }
  }
}

export interface FusedSgd {
  readonly lr: number;
  readonly momentum: number;
}

export interface SgdBuffers {
  readonly buf: Float32Array[];
  step: number;
}

export function sgdBuffers(params: readonly Float32Array[]): SgdBuffers {
  return { buf: params.map((p) => new Float32Array(p.length)), step: 0 };
}

/** torch.optim.SGD (no dampening, nesterov, or weight decay): the first step's buffer is g itself. */
export function fusedSgdStep(
  h: FusedSgd,
  params: Float32Array[],
  grads: readonly Float32Array[],
  s: SgdBuffers,
): void {
  const first = s.step === 0;
  s.step += 1;
  const { lr, momentum } = h;
  for (let k = 0; k < params.length; k++) {
    const p = params[k]!;
    const g = grads[k]!;
    const b = s.buf[k]!;
    for (let i = 0; i < p.length; i++) {
      const bi = first || momentum === 0 ? g[i]! : Math.fround(momentum * b[i]! + g[i]!);
      b[i] = bi;
      p[i] = p[i]! - lr * bi;
    }
  }
}
