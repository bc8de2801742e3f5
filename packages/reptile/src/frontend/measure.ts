/**
 * Measures training speed of every registered frontend on the founding example's network
 * (784 → 128 → 64 → 10, ZooKeeper lr 0.01, the default batch size), which is how the default
 * frontend is chosen:
 *   pnpm exec tsx packages/reptile/src/frontend/measure.ts [--steps 500]
 */
import { pathToFileURL } from 'node:url';
import { layers } from '../api/layers.ts';
import { fuseOutput, Loss } from '../api/loss.ts';
import { Optimizer } from '../api/optimizer.ts';
import { Data } from '../data/data.ts';
import { DEFAULT_BATCH_SIZE } from '../model/fit.ts';
import { Model } from '../model/model.ts';
import { registeredFrontends } from './frontend.ts';

export interface FrontendTiming {
  readonly frontend: string;
  /** Median wall time of one training step, after warm-up. */
  readonly msPerStep: number;
  readonly samplesPerSecond: number;
}

export async function measureFrontends(
  options: { steps?: number; frontends?: readonly string[] } = {},
): Promise<FrontendTiming[]> {
  const steps = options.steps ?? 500;
  const rows = Array.from({ length: 256 }, (_, r) =>
    Array.from({ length: 784 }, (_, c) => ((r * 31 + c * 17) % 97) / 97),
  );
  const data = Data.fromArrays(
    rows,
    rows.map((_, r) => r % 10),
  );
  const timings: FrontendTiming[] = [];
  for (const frontend of options.frontends ?? registeredFrontends()) {
    const model = new Model({ frontend });
    model.add(layers.Dense(128, { activation: 'relu' }));
    model.add(layers.Dense(64, { activation: 'relu' }));
    model.add(layers.Dense(10, { activation: 'softmax' }));
    model.buildFor(data);
    const session = await (await model.frontendImpl()).train(
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
    const batches = [...data.batches(DEFAULT_BATCH_SIZE)];
    const times: number[] = [];
    for (let i = 0; i < steps + 20; i++) {
      const b = batches[i % batches.length]!;
      const t = performance.now();
      await session.step({ x: b.x, xShape: b.xShape, y: b.y!, yShape: b.yShape });
      if (i >= 20) times.push(performance.now() - t);
    }
    session.dispose();
    times.sort((a, b) => a - b);
    const msPerStep = times[Math.floor(times.length / 2)]!;
    timings.push({ frontend, msPerStep, samplesPerSecond: (DEFAULT_BATCH_SIZE / msPerStep) * 1000 });
  }
  return timings;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const at = process.argv.indexOf('--steps');
  for (const t of await measureFrontends(at >= 0 ? { steps: Number(process.argv[at + 1]) } : {}))
    console.log(
      `${t.frontend.padEnd(10)} ${t.msPerStep.toFixed(3)} ms/step  ${Math.round(t.samplesPerSecond)} samples/s (batch ${DEFAULT_BATCH_SIZE})`,
    );
}
