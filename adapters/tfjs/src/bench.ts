import type { BenchMeasurement, FrontendBenchEntry } from '@reptile/core';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { reptileOptimizer } from './optimizer.ts';

/**
 * Bench entries for the `tfjs` suite. Each times Reptile and tfjs' own optimizer side by side in
 * one run, on the wasm backend, interleaving rounds so machine noise hits both alike, and
 * reports the median. `ratio` is Reptile's relative speed: native time / Reptile time for step
 * timings, Reptile throughput / native throughput for fit (≥ 1 means Reptile is not slower).
 */
export type BenchResult = BenchMeasurement & { readonly name: string };
export type BenchEntry = FrontendBenchEntry;

async function wasm(): Promise<void> {
  await import('@tensorflow/tfjs-backend-wasm');
  tf.env().set('PROD', true);
  if (tf.getBackend() !== 'wasm' && !(await tf.setBackend('wasm')))
    throw new Error('tfjs wasm backend failed to start');
  await tf.ready();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** ~1M float32 params in 20 variables of 250×200, with fixed gradients. */
const VARIABLES = 20;
const SHAPE: [number, number] = [250, 200];

interface StepBench {
  readonly name: string;
  readonly peer: string;
  readonly target?: number;
  readonly reptile: () => tf.Optimizer;
  readonly native: () => tf.Optimizer;
}

const STEP_BENCHES: readonly StepBench[] = [
  {
    name: 'adam',
    peer: 'tf.train.adam',
    target: 1,
    reptile: () => reptileOptimizer({ name: 'adam', lr: 1e-3 }),
    native: () => tf.train.adam(1e-3, 0.9, 0.999, 1e-8),
  },
  {
    name: 'sgd',
    peer: 'tf.train.sgd',
    reptile: () => reptileOptimizer({ name: 'sgd', lr: 1e-2 }),
    native: () => tf.train.sgd(1e-2),
  },
  {
    name: 'momentum',
    peer: 'tf.train.momentum',
    reptile: () => reptileOptimizer({ name: 'sgd', lr: 1e-2, momentum: 0.9 }),
    native: () => tf.train.momentum(1e-2, 0.9),
  },
  {
    name: 'rmsprop',
    peer: 'tf.train.rmsprop',
    reptile: () =>
      reptileOptimizer({ name: 'rmsprop', lr: 1e-3, alpha: 0.9, eps: 1e-7, epsilonStyle: 'keras' }),
    native: () => tf.train.rmsprop(1e-3, 0.9, 0, 1e-7),
  },
  {
    name: 'adagrad',
    peer: 'tf.train.adagrad',
    reptile: () => reptileOptimizer({ name: 'adagrad', lr: 1e-2, initialAccumulatorValue: 0.1 }),
    native: () => tf.train.adagrad(1e-2, 0.1),
  },
];

async function stepBench(b: StepBench, samples = 40, steps = 3): Promise<BenchResult> {
  await wasm();
  // Seeds from 1: tfjs treats seed 0 as "no seed".
  const make = () =>
    Array.from({ length: VARIABLES }, (_, i) => tf.variable(tf.randomNormal(SHAPE, 0, 1, 'float32', i + 1)));
  const reptileVars = make();
  const nativeVars = make();
  const grads = Array.from({ length: VARIABLES }, (_, i) =>
    tf.randomNormal(SHAPE, 0, 0.01, 'float32', 100 + i),
  );
  const reptile = b.reptile();
  const native = b.native();
  const time = (opt: tf.Optimizer, vars: tf.Variable[]) => {
    const named = vars.map((v, i) => ({ name: v.name, tensor: grads[i]! }));
    const start = performance.now();
    for (let s = 0; s < steps; s++) opt.applyGradients(named);
    vars[0]!.dataSync(); // wait for the backend (a no-op on wasm, a sync on GPU backends)
    return (performance.now() - start) / steps;
  };
  try {
    for (let w = 0; w < 3; w++) {
      time(reptile, reptileVars);
      time(native, nativeVars);
    }
    const maxAbsDiff = largestDifference(reptileVars, nativeVars);
    // Paired samples in alternating order, so load from other processes hits both alike.
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let r = 0; r < samples; r++) {
      if (r % 2 === 0) {
        theirs.push(time(native, nativeVars));
        ours.push(time(reptile, reptileVars));
      } else {
        ours.push(time(reptile, reptileVars));
        theirs.push(time(native, nativeVars));
      }
    }
    const value = median(ours);
    const peerValue = median(theirs);
    return {
      name: `tfjs.${b.name}.1M`,
      value,
      unit: 'ms/step',
      peer: `${b.peer} (wasm)`,
      peerValue,
      ratio: peerValue / value,
      ...(b.target === undefined ? {} : { target: b.target }),
      maxAbsDiff,
    };
  } finally {
    reptile.dispose();
    native.dispose();
    tf.dispose([...reptileVars, ...nativeVars, ...grads]);
  }
}

function largestDifference(a: readonly tf.Tensor[], b: readonly tf.Tensor[]): number {
  return Math.max(...a.map((v, i) => tf.tidy(() => tf.max(tf.abs(tf.sub(v, b[i]!))).dataSync()[0]!)));
}

function mlp(seed: number): tfl.Sequential {
  const init = (s: number) => tfl.initializers.glorotUniform({ seed: seed + s });
  return tfl.sequential({
    layers: [
      tfl.layers.dense({ units: 128, inputShape: [784], activation: 'relu', kernelInitializer: init(1) }),
      tfl.layers.dense({ units: 64, activation: 'relu', kernelInitializer: init(2) }),
      tfl.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(3) }),
    ],
  });
}

/** model.fit throughput of a 784-128-64-10 MLP, batch 128, Reptile Adam vs tf.train.adam. */
async function fitBench(rounds = 8): Promise<BenchResult> {
  await wasm();
  const samples = 1024;
  const x = tf.randomUniform([samples, 784], 0, 1, 'float32', 7);
  const y = tf.oneHot(tf.randomUniform([samples], 0, 10, 'int32', 8) as tf.Tensor1D, 10);
  const yf = tf.cast(y, 'float32');
  const ours = mlp(0);
  const theirs = mlp(0);
  ours.compile({ optimizer: reptileOptimizer({ name: 'adam', lr: 1e-3 }), loss: 'categoricalCrossentropy' });
  theirs.compile({ optimizer: tf.train.adam(1e-3, 0.9, 0.999, 1e-8), loss: 'categoricalCrossentropy' });
  const time = async (model: tfl.Sequential) => {
    const start = performance.now();
    await model.fit(x, yf, { batchSize: 128, epochs: 1, shuffle: false, verbose: 0 });
    return samples / ((performance.now() - start) / 1000);
  };
  try {
    await time(ours);
    await time(theirs);
    const maxAbsDiff = largestDifference(
      ours.trainableWeights.map((w) => w.read()),
      theirs.trainableWeights.map((w) => w.read()),
    );
    const a: number[] = [];
    const b: number[] = [];
    for (let r = 0; r < rounds; r++) {
      if (r % 2 === 0) {
        b.push(await time(theirs));
        a.push(await time(ours));
      } else {
        a.push(await time(ours));
        b.push(await time(theirs));
      }
    }
    const value = median(a);
    const peerValue = median(b);
    return {
      name: 'tfjs.fit.mlp',
      value,
      unit: 'samples/s',
      peer: 'tf.train.adam (wasm)',
      peerValue,
      ratio: value / peerValue,
      target: 0.95,
      maxAbsDiff,
    };
  } finally {
    ours.dispose();
    theirs.dispose();
    tf.dispose([x, y, yf]);
  }
}

export const BENCHES: readonly BenchEntry[] = [
  ...STEP_BENCHES.map((b) => ({
    name: `tfjs.${b.name}.1M`,
    description: `one ${b.name} step on 1M params in ${VARIABLES} variables, ReptileOptimizer vs ${b.peer}, wasm`,
    run: () => stepBench(b),
  })),
  {
    name: 'tfjs.fit.mlp',
    description: 'model.fit samples/s, 784-128-64-10 MLP, batch 128, Reptile Adam vs tf.train.adam, wasm',
    run: () => fitBench(),
  },
];
