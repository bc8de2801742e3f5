import { performance } from 'node:perf_hooks';
import { normalSampler, seededRandom } from '../random.ts';
import { ops, Tensor, Trainer } from '../workspace.ts';
import { type Dataset, spirals } from './spirals.ts';

/** The training setup, as a recipe document any Reptile frontend accepts. */
export const DEMO_RECIPE = {
  optimizer: { name: 'adam', lr: 0.01 },
  loss: { name: 'crossEntropy' },
} as const;

export interface DemoOptions {
  readonly epochs: number;
  readonly pointsPerClass: number;
  readonly hidden: number;
  readonly batchSize: number;
  readonly seed: number;
}

export const DEFAULT_DEMO_OPTIONS: DemoOptions = {
  epochs: 40,
  pointsPerClass: 100,
  hidden: 64,
  batchSize: 32,
  seed: 7,
};

export interface DemoResult {
  /** Mean training loss of each epoch. */
  readonly losses: number[];
  /** Fraction of training points classified correctly after the last epoch. */
  readonly accuracy: number;
  readonly elapsedMs: number;
}

const PARAM_NAMES = ['w1', 'b1', 'w2', 'b2'];

/** A 2-layer MLP on 3-class spirals, trained with mini-batches by the recipe Trainer. */
export function runDemo(
  options: DemoOptions = DEFAULT_DEMO_OPTIONS,
  log: (line: string) => void = () => {},
): DemoResult {
  const start = performance.now();
  const data = spirals(options.pointsPerClass, 3, options.seed);
  const random = seededRandom(options.seed + 1);
  let params = initParams(options.hidden, data.classes, random);
  const trainer = new Trainer(DEMO_RECIPE, PARAM_NAMES);
  let state = trainer.init(params);
  const losses: number[] = [];
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const order = shuffled(data.n, random);
    let total = 0;
    for (let b = 0; b < data.n; b += options.batchSize) {
      const { x, y } = batch(data, order.subarray(b, b + options.batchSize));
      const step = trainer.step(params, (p) => forward(p, x), y, state);
      ({ params, state } = step);
      total += step.loss * y.size;
    }
    losses.push(total / data.n);
    log(`epoch ${String(epoch + 1).padStart(3)}  loss ${losses[epoch]!.toFixed(4)}`);
  }
  const all = batch(
    data,
    Int32Array.from({ length: data.n }, (_, i) => i),
  );
  const predicted = forward(params, all.x).argMax(-1);
  const accuracy = predicted.eq(all.y).cast('float32').mean().item();
  return { losses, accuracy, elapsedMs: performance.now() - start };
}

/** logits = relu(x·w1 + b1)·w2 + b2 */
export function forward(params: readonly Tensor[], x: Tensor): Tensor {
  const [w1, b1, w2, b2] = params as [Tensor, Tensor, Tensor, Tensor];
  return ops.relu(x.matmul(w1).add(b1)).matmul(w2).add(b2);
}

/** He-normal weights (ReLU keeps half the variance), zero biases. */
function initParams(hidden: number, classes: number, random: () => number): Tensor[] {
  const normal = normalSampler(random);
  const he = (fanIn: number, fanOut: number) =>
    Tensor.fromData(
      Float32Array.from({ length: fanIn * fanOut }, () => normal() * Math.sqrt(2 / fanIn)),
      [fanIn, fanOut],
    );
  return [he(2, hidden), Tensor.zeros([hidden]), he(hidden, classes), Tensor.zeros([classes])];
}

function shuffled(n: number, random: () => number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

function batch(data: Dataset, rows: Int32Array): { x: Tensor; y: Tensor } {
  const x = new Float32Array(rows.length * 2);
  const y = new Int32Array(rows.length);
  rows.forEach((r, i) => {
    x[2 * i] = data.x[2 * r]!;
    x[2 * i + 1] = data.x[2 * r + 1]!;
    y[i] = data.y[r]!;
  });
  return { x: Tensor.fromData(x, [rows.length, 2]), y: Tensor.fromData(y, [rows.length], 'int32') };
}
