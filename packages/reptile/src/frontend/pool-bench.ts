/**
 * Pooling stays composition (window taps combined with `maximum` / `add`, see docs/protocol.md);
 * these entries check that this is not too slow where it matters most, on tfjs-wasm, against
 * tfjs' own pooling kernels: 2×2 stride-2 MaxPool2D / AvgPool2D over [32, 28, 28, 16], forward
 * and input gradient, Reptile's layer (traced graph on TfjsBackend) vs tf.maxPool / tf.avgPool
 * under tf.grad, timed alternately in one run. Before timing, Reptile's input gradient must
 * equal tfjs' on its cpu backend. tfjs-wasm's own max-pool gradient is not checked against: it
 * routes some window gradients to the wrong cell (details.wasmKernelWrongCells counts them; the
 * cpu kernel, the reference backend and Reptile on wasm all agree). `ratio` = tfjs ms ÷ Reptile
 * ms (above 1: the composite is faster).
 */
import { type FrontendBenchEntry, fail, grad, realize, Tensor } from '@reptile/core';
import { AvgPool2D, INFERENCE, MaxPool2D } from '@reptile/layers';
import { TfjsBackend } from '@reptile/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// tfjs-core registers no gradients by itself; the tfjs-layers bundle does
import '@tensorflow/tfjs-layers';

const SHAPE = [32, 28, 28, 16] as const;
const POOLED = [32, 14, 14, 16] as const;
const ROUNDS = 10;

type Kind = 'max' | 'avg';

async function useBackend(name: 'cpu' | 'wasm'): Promise<void> {
  if (!(await tf.setBackend(name)))
    fail(`tfjs ${name} backend failed to initialise`, { where: 'bench pool' });
}

interface PoolTiming {
  readonly reptile: number;
  readonly native: number;
  readonly diff: number;
  readonly wasmKernelWrongCells: number;
}

async function measure(kind: Kind): Promise<PoolTiming> {
  const xs = Float32Array.from({ length: SHAPE.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * 0.37));
  const ws = Float32Array.from({ length: POOLED.reduce((a, b) => a * b, 1) }, (_, i) => Math.cos(i * 0.11));
  const backend = new TfjsBackend();
  const layer = kind === 'max' ? new MaxPool2D({ poolSize: 2 }) : new AvgPool2D({ poolSize: 2 });
  const reptile = () => {
    const x = Tensor.fromData(xs, [...SHAPE]);
    const y = layer.call(x, {}, INFERENCE);
    return realize(grad(y.mul(Tensor.fromData(ws, [...POOLED])).sum(), [x]), backend)[0]!;
  };
  const pool = (v: tf.Tensor) =>
    kind === 'max'
      ? tf.maxPool(v as tf.Tensor4D, 2, 2, 'valid')
      : tf.avgPool(v as tf.Tensor4D, 2, 2, 'valid');
  const native = () =>
    tf.tidy(() => {
      const wt = tf.tensor4d(ws, [...POOLED]);
      return tf
        .grad((v: tf.Tensor) => tf.sum(tf.mul(pool(v), wt)))(tf.tensor4d(xs, [...SHAPE]))
        .dataSync();
    });
  await useBackend('cpu');
  const expected = native();
  await useBackend('wasm');
  const [a, b] = [reptile(), native()];
  let diff = 0;
  let wasmKernelWrongCells = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - expected[i]!));
    if (Math.abs(b[i]! - expected[i]!) > 1e-5) wasmKernelWrongCells++;
  }
  if (!(diff < 1e-5))
    fail(`${kind} pooling gradients disagree with tfjs' cpu kernel (max |diff| ${diff})`, {
      where: 'bench pool',
    });
  const ms = [0, 0];
  for (let r = 0; r < ROUNDS; r++) {
    let t = performance.now();
    reptile();
    ms[0]! += performance.now() - t;
    t = performance.now();
    native();
    ms[1]! += performance.now() - t;
  }
  return { reptile: ms[0]! / ROUNDS, native: ms[1]! / ROUNDS, diff, wasmKernelWrongCells };
}

export const POOL_BENCH: readonly FrontendBenchEntry[] = (['max', 'avg'] as const).map((kind) => ({
  name: `pool.tfjs-wasm.${kind}`,
  description: `${kind === 'max' ? 'MaxPool2D' : 'AvgPool2D'} 2×2/2 on [${SHAPE}] forward + input gradient: Reptile's composite on tfjs-wasm vs tfjs' native kernel, ms`,
  async run() {
    const t = await measure(kind);
    return {
      value: t.reptile,
      unit: 'ms',
      peer: `tf.${kind}Pool + tf.grad`,
      peerValue: t.native,
      ratio: t.native / t.reptile,
      maxAbsDiff: t.diff,
      details: { wasmKernelWrongCells: t.wasmKernelWrongCells },
    };
  },
}));
