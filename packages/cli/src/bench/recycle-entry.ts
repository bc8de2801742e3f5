import { randomNormalArray, seededRandom } from '../random.ts';
import {
  fail,
  getBackend,
  grad,
  ops,
  optimizerFromConfig,
  ReferenceBackend,
  setBackend,
  settle,
  Tensor,
} from '../workspace.ts';
import { type BenchEntry, type BenchOptions, type BenchResult, timeRatio } from './bench.ts';
import { interleavedMedians } from './timing.ts';

/** The workload: a 32-128-10 ReLU MLP, softmax cross-entropy, batch 64, SGD. */
const FEATURES = 32;
const HIDDEN = 128;
const CLASSES = 10;
const BATCH = 64;
/** Training steps per timed sample (one step is ~1.5 ms; a sample of ~30 ms times well). */
const STEPS_PER_SAMPLE = 20;

/**
 * `core.recycle.mlp`: the reference backend's training step with intermediate buffers recycled
 * through its pool (the default) against the same step with recycling off (`poolBytes: 0`), so
 * the pool's effect is measured side by side. Both must give the same bits first.
 */
export const recycleEntry: BenchEntry = {
  name: 'core.recycle.mlp',
  description: `MLP ${FEATURES}-${HIDDEN}-${CLASSES} SGD train step, batch ${BATCH}: buffers recycled vs not`,
  run(options: BenchOptions): BenchResult {
    const random = seededRandom(options.seed);
    const x = Tensor.fromData(randomNormalArray(BATCH * FEATURES, random), [BATCH, FEATURES]);
    const y = Tensor.fromData(
      Array.from({ length: BATCH }, () => Math.floor(random() * CLASSES)),
      [BATCH],
      'int32',
    );
    const shapes = [[FEATURES, HIDDEN], [HIDDEN], [HIDDEN, CLASSES], [CLASSES]];
    const start = shapes.map((shape) =>
      randomNormalArray(
        shape.reduce((a, b) => a * b, 1),
        random,
        0.1,
      ),
    );
    const opt = optimizerFromConfig({ name: 'sgd', lr: 0.05 }, 'bench core.recycle.mlp');
    const trainer = (backend: ReferenceBackend) => {
      let params = start.map((p, i) => Tensor.fromData(p.slice(), shapes[i]!));
      let state = opt.init(params);
      return {
        steps(n: number) {
          const previous = getBackend();
          setBackend(backend);
          try {
            for (let s = 0; s < n; s++) {
              const [w1, b1, w2, b2] = params as [Tensor, Tensor, Tensor, Tensor];
              const logits = ops.relu(x.matmul(w1).add(b1)).matmul(w2).add(b2);
              const loss = ops.oneHot(y, CLASSES).mul(ops.logSoftmax(logits)).sum([1]).mean().neg();
              ({ params, state } = settle(opt.step(params, grad(loss, params), state)));
            }
          } finally {
            setBackend(previous);
          }
        },
        params: () => params.map((p) => p.data()),
      };
    };
    const recycled = trainer(new ReferenceBackend());
    const fresh = trainer(new ReferenceBackend({ poolBytes: 0 }));
    recycled.steps(3);
    fresh.steps(3);
    const [a, b] = [recycled.params(), fresh.params()];
    if (a.every((p, i) => p.every((v, j) => v === start[i]![j])))
      fail('the parameters did not change during verification', { where: 'bench core.recycle.mlp' });
    if (a.some((p, i) => p.some((v, j) => !Object.is(v, b[i]![j]!))))
      fail('training with recycled buffers gave different parameters than without', {
        where: 'bench core.recycle.mlp',
        hint: 'a kernel read a recycled buffer it did not write; the timing would be meaningless',
      });
    const [recycledMs, freshMs] = interleavedMedians(
      [() => recycled.steps(STEPS_PER_SAMPLE), () => fresh.steps(STEPS_PER_SAMPLE)],
      options,
    );
    const perStep = (ms: number) => ms / STEPS_PER_SAMPLE;
    return {
      name: this.name,
      value: perStep(recycledMs!),
      unit: 'ms/step',
      peer: 'same step, recycling off (poolBytes: 0)',
      peerValue: perStep(freshMs!),
      ratio: timeRatio(recycledMs!, freshMs!),
      maxAbsDiff: 0,
    };
  },
};
