/**
 * Measures training speed of frontends on the founding example's network (784 → 128 → 64 → 10,
 * ZooKeeper lr 0.01, the default batch size the demo trains with), which is how the default
 * frontend is chosen. All frontends are timed in one run, in interleaved rounds, so machine
 * noise hits each alike:
 *   pnpm exec tsx packages/reptile/src/frontend/measure.ts [--steps 2000]
 */
import { pathToFileURL } from 'node:url';
import { layers } from '../api/layers.ts';
import { fuseOutput, Loss } from '../api/loss.ts';
import { Optimizer } from '../api/optimizer.ts';
import { Data } from '../data/data.ts';
import type { Dataset } from '../data/dataset.ts';
import { DEFAULT_BATCH_SIZE } from '../model/fit.ts';
import { Model } from '../model/model.ts';
import './builtin.ts';
import type { HostBatch, TrainSession } from './frontend.ts';

/**
 * The frontends that need nothing beyond `pnpm install` and so may be the default. 'torch' is
 * not eligible: it needs Python and `pip install torch`.
 */
export const ELIGIBLE_FRONTENDS: readonly string[] = ['reference', 'onnx', 'tfjs-cpu', 'tfjs-wasm'];

/** One frontend's measured training speed (see measureFrontends). */
export interface FrontendTiming {
  /** The frontend's registered name. */
  readonly frontend: string;
  /** Median wall time of one training step, in milliseconds, after warm-up. */
  readonly msPerStep: number;
  /**
   * Steps over total wall time, after warm-up: what a fit sees, stalls included (on a busy
   * machine the median alone hides them). The default is chosen by this.
   */
  readonly stepsPerSecond: number;
  /** stepsPerSecond × DEFAULT_BATCH_SIZE: training samples per second. */
  readonly samplesPerSecond: number;
}

const WARMUP = 20;
/** Steps per frontend per round; rounds alternate between frontends. */
const ROUND = 50;

async function foundingSession(frontend: string, data: Dataset): Promise<TrainSession> {
  const model = new Model({ frontend });
  model.add(layers.Dense(128, { activation: 'relu' }));
  model.add(layers.Dense(64, { activation: 'relu' }));
  model.add(layers.Dense(10, { activation: 'softmax' }));
  model.buildFor(data);
  return (await model.frontendImpl()).train(
    {
      params: model.params,
      inputShape: model.network.inputShape,
      forward: model.forward(true),
      loss: fuseOutput(Loss.CrossEntropy().config, 'softmax').loss,
      optimizer: Optimizer.ZooKeeper({ lr: 0.01 }).config,
      regularizers: [],
      seed: 0,
    },
    model.weightValues!,
  );
}

/**
 * Times `steps` training steps (default 1000) per frontend, after 20 warm-up steps each, of the
 * founding example's network at DEFAULT_BATCH_SIZE on 256 fixed synthetic 784-feature rows with
 * 10 classes. `frontends` defaults to ELIGIBLE_FRONTENDS. Returns one timing per frontend, in
 * the order given; the fastest (see `fastest`) is the default frontend's justification.
 */
export async function measureFrontends(
  options: { steps?: number; frontends?: readonly string[] } = {},
): Promise<FrontendTiming[]> {
  const steps = options.steps ?? 1000;
  const frontends = options.frontends ?? ELIGIBLE_FRONTENDS;
  const rows = Array.from({ length: 256 }, (_, r) =>
    Array.from({ length: 784 }, (_, c) => ((r * 31 + c * 17) % 97) / 97),
  );
  const data = Data.fromArrays(
    rows,
    rows.map((_, r) => r % 10),
  );
  const batches: HostBatch[] = [...data.batches(DEFAULT_BATCH_SIZE)].map((b) => ({
    x: b.x,
    xShape: b.xShape,
    y: b.y!,
    yShape: b.yShape,
  }));
  const sessions: TrainSession[] = [];
  for (const frontend of frontends) sessions.push(await foundingSession(frontend, data));
  const times: number[][] = frontends.map(() => []);
  try {
    for (const session of sessions)
      for (let i = 0; i < WARMUP; i++) await session.step(batches[i % batches.length]!);
    for (let done = 0; done < steps; done += ROUND) {
      for (const [k, session] of sessions.entries()) {
        for (let i = done; i < Math.min(steps, done + ROUND); i++) {
          const t = performance.now();
          await session.step(batches[i % batches.length]!);
          times[k]!.push(performance.now() - t);
        }
      }
    }
  } finally {
    for (const session of sessions) session.dispose();
  }
  return frontends.map((frontend, k) => {
    const sorted = times[k]!.sort((a, b) => a - b);
    const stepsPerSecond = (sorted.length * 1000) / sorted.reduce((a, b) => a + b, 0);
    return {
      frontend,
      msPerStep: sorted[Math.floor(sorted.length / 2)]!,
      stepsPerSecond,
      samplesPerSecond: stepsPerSecond * DEFAULT_BATCH_SIZE,
    };
  });
}

/** The eligible frontend with the most steps per second. */
export function fastest(timings: readonly FrontendTiming[]): FrontendTiming {
  return [...timings].sort((a, b) => b.stepsPerSecond - a.stepsPerSecond)[0]!;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const at = process.argv.indexOf('--steps');
  const timings = await measureFrontends(at >= 0 ? { steps: Number(process.argv[at + 1]) } : {});
  const reference = timings.find((t) => t.frontend === 'reference');
  for (const t of timings)
    console.log(
      `${t.frontend.padEnd(10)} median ${t.msPerStep.toFixed(3)} ms/step  ${Math.round(t.stepsPerSecond)} steps/s  ${Math.round(t.samplesPerSecond)} samples/s (batch ${DEFAULT_BATCH_SIZE})${reference ? `  ×${(t.stepsPerSecond / reference.stepsPerSecond).toFixed(2)} vs reference` : ''}`,
    );
  console.log(`fastest: ${fastest(timings).frontend}`);
}
