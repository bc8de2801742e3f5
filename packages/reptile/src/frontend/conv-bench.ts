/**
 * The `conv` bench suite: why `conv2d` is a protocol primitive. One training step of a CNN's
 * second convolution (NHWC 14×14×16 batch 32 → Conv2D 3×3 same, 32 filters → Dense 10, softmax
 * cross-entropy, SGD; the input stands for the first block's output) on each frontend, with the
 * convolution written once as the `conv2d` primitive and once as the im2col composite it
 * replaced (convByPatches), timed side by side in interleaved rounds. Nothing else is in the
 * step, so the ratio is the convolution's (forward, input and weight gradients). Weights and
 * batches are identical, and the two programs' losses must agree before timing counts.
 * `ratio` = primitive steps/s ÷ composite steps/s.
 */
import { type FrontendBenchEntry, fail, type Tensor, type TypedArray } from '@reptile/core';
import { type CallContext, convByPatches, planWindow } from '@reptile/layers';
import { Loss } from '../api/loss.ts';
import { Optimizer } from '../api/optimizer.ts';
import './builtin.ts';
import { getFrontend, type HostBatch, type ParamSpec, type TrainSession } from './frontend.ts';
import { POOL_BENCH } from './pool-bench.ts';

const BATCH = 32;
const SIZE = 14;
const CHANNELS = 16;
const FILTERS = 32;
const WARMUP = 5;
const ROUNDS = 6;
const STEPS_PER_ROUND = 5;

type ConvImpl = 'primitive' | 'composite';

const PARAMS: ParamSpec[] = [
  { name: 'kernel', shape: [3, 3, CHANNELS, FILTERS], dtype: 'float32', trainable: true },
  { name: 'dense', shape: [SIZE * SIZE * FILTERS, 10], dtype: 'float32', trainable: true },
];

const window = planWindow(
  SIZE,
  SIZE,
  { kernel: [3, 3], strides: [1, 1], dilation: [1, 1], padding: 'same' },
  'conv bench',
);

/** NHWC conv 3×3 same, either way. */
function conv(x: Tensor, kernel: Tensor, impl: ConvImpl): Tensor {
  if (impl === 'composite') return convByPatches(x, kernel, window, 1);
  return x
    .transpose([0, 3, 1, 2])
    .conv2d(kernel.transpose([3, 2, 0, 1]), { pads: window.pads })
    .transpose([0, 2, 3, 1]);
}

function forward(impl: ConvImpl) {
  return (params: readonly Tensor[], x: Tensor, _ctx: CallContext): Tensor => {
    const [kernel, dense] = params as [Tensor, Tensor];
    return conv(x, kernel, impl).reshape([x.shape[0]!, -1]).matmul(dense);
  };
}

function initialWeights(): TypedArray[] {
  const wave = (n: number, scale: number, phase: number) =>
    Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.73 + phase) * scale);
  return [wave(9 * CHANNELS * FILTERS, 0.1, 0.1), wave(SIZE * SIZE * FILTERS * 10, 0.01, 0.3)];
}

function batches(): HostBatch[] {
  return Array.from({ length: 4 }, (_, b) => ({
    x: Float32Array.from({ length: BATCH * SIZE * SIZE * CHANNELS }, (_, i) => ((i * 31 + b * 7) % 97) / 97),
    xShape: [BATCH, SIZE, SIZE, CHANNELS],
    y: Int32Array.from({ length: BATCH }, (_, i) => (i + b) % 10),
    yShape: [BATCH],
  }));
}

async function session(frontend: string, impl: ConvImpl): Promise<TrainSession> {
  return (await getFrontend(frontend)).train(
    {
      params: PARAMS,
      inputShape: [SIZE, SIZE, CHANNELS],
      forward: forward(impl),
      loss: Loss.CrossEntropy({ fromLogits: true }).config,
      optimizer: Optimizer.SGD({ lr: 0.01 }).config,
      regularizers: [],
      seed: 0,
    },
    initialWeights(),
  );
}

interface ConvTiming {
  readonly primitive: number;
  readonly composite: number;
  readonly lossDiff: number;
}

/** Steps/s of both programs on one frontend, interleaved so machine noise hits each alike. */
async function measure(frontend: string): Promise<ConvTiming> {
  const data = batches();
  const sessions = [await session(frontend, 'primitive'), await session(frontend, 'composite')];
  try {
    let lossDiff = 0;
    for (let i = 0; i < WARMUP; i++) {
      const [a, b] = [await sessions[0]!.step(data[i % 4]!), await sessions[1]!.step(data[i % 4]!)];
      lossDiff = Math.max(lossDiff, Math.abs(a.loss - b.loss));
    }
    if (!(lossDiff < 1e-3))
      fail(`primitive and composite convolutions disagree on '${frontend}' (loss diff ${lossDiff})`, {
        where: 'bench conv',
      });
    const ms = [0, 0];
    for (let r = 0; r < ROUNDS; r++) {
      for (const [k, s] of sessions.entries()) {
        const t = performance.now();
        for (let i = 0; i < STEPS_PER_ROUND; i++) await s.step(data[i % 4]!);
        ms[k]! += performance.now() - t;
      }
    }
    const steps = ROUNDS * STEPS_PER_ROUND * 1000;
    return { primitive: steps / ms[0]!, composite: steps / ms[1]!, lossDiff };
  } finally {
    for (const s of sessions) s.dispose();
  }
}

export const CONV_FRONTENDS = ['reference', 'tfjs-wasm', 'onnx', 'torch'] as const;

const CONV_ENTRIES: readonly FrontendBenchEntry[] = CONV_FRONTENDS.map((frontend) => ({
  name: `conv.${frontend}.train-step`,
  description: `train step of conv 3×3 ${CHANNELS}→${FILTERS} on ${SIZE}×${SIZE} (+ dense, batch ${BATCH}) on '${frontend}': conv2d primitive vs im2col composite, steps/s`,
  async run() {
    const t = await measure(frontend);
    return {
      value: t.primitive,
      unit: 'steps/s',
      peer: 'im2col composite',
      peerValue: t.composite,
      ratio: t.primitive / t.composite,
      maxAbsDiff: t.lossDiff,
    };
  },
}));

/** The `conv` suite: the convolution entries, then the pooling ones (pool-bench.ts). */
export const CONV_BENCH: readonly FrontendBenchEntry[] = [...CONV_ENTRIES, ...POOL_BENCH];
