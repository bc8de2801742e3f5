import { blend, type DType, isSyncStep, meanOfBuffers, type TypedArray } from '@reptile/core';
import * as tf from '@tensorflow/tfjs-core';
import { fromTfStorage, tfDType, toTfStorage } from './dtypes.ts';
import { reptileLoss } from './loss.ts';
import { ReptileOptimizer } from './optimizer.ts';
import { reptileRegularizer } from './regularizer.ts';
import { specFromOptimizer } from './spec.ts';
import { fromTfjs, toTfjs } from './zero-copy.ts';

/**
 * What the conformance adapters (conformance/src/adapters/tfjs.ts) run, kept here so that tfjs
 * resolves from this package. Every case goes through the public tfjs-facing API — a
 * ReptileOptimizer on tf.Variables, reptileLoss and reptileRegularizer differentiated by tf.grad —
 * on the chosen backend.
 */
export interface Host {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly data: TypedArray;
}

export type DriverBackend = 'cpu' | 'wasm';

export async function selectBackend(name: DriverBackend): Promise<void> {
  if (name === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
  else await import('@tensorflow/tfjs-backend-wasm');
  tf.env().set('PROD', true);
  if (tf.getBackend() !== name && !(await tf.setBackend(name))) {
    throw new Error(`tfjs backend '${name}' failed to initialise`);
  }
  await tf.ready();
}

/**
 * tfjs has no float64: float64 cases run in float32. Those whose tolerance is tighter than
 * float32 can meet (rtol < 1e-6) are skipped with this reason rather than failed.
 */
export function float64SkipReason(tensors: readonly Host[], rtol: number): string | undefined {
  if (rtol >= 1e-6 || !tensors.some((t) => t.dtype === 'float64')) return undefined;
  return `tfjs has no float64; this case's rtol ${rtol} is below float32 resolution (docs/tfjs.md)`;
}

const upload = (h: Host) => tf.tensor(toTfStorage(h.data, h.dtype), [...h.shape], tfDType(h.dtype));
const download = (t: tf.Tensor, like: Pick<Host, 'dtype'>): Host => ({
  shape: [...t.shape],
  dtype: like.dtype,
  data: fromTfStorage(t.dataSync().slice(), like.dtype),
});

/** Params after each step, from `make()`'s optimizer applied to tf.Variables. */
export function runOptimizer(
  make: () => tf.Optimizer,
  params: readonly Host[],
  grads: readonly (readonly Host[])[],
): Host[][] {
  const vars = params.map((p) => tf.variable(upload(p)));
  const opt = make();
  try {
    return grads.map((g) => {
      tf.tidy(() => {
        opt.applyGradients(vars.map((v, i) => ({ name: v.name, tensor: upload(g[i]!) })));
      });
      return vars.map((v, i) => download(v, params[i]!));
    });
  } finally {
    opt.dispose();
    tf.dispose(vars);
  }
}

export function runReptileOptimizer(
  config: unknown,
  params: readonly Host[],
  grads: readonly (readonly Host[])[],
): Host[][] {
  const spec = specFromOptimizer(config);
  return runOptimizer(() => new ReptileOptimizer(spec), params, grads);
}

export function runLoss(config: unknown, yTrue: Host, yPred: Host): { value: Host; gradYPred: Host } {
  const loss = reptileLoss(config);
  let out: { value: Host; gradYPred: Host } | undefined;
  tf.tidy(() => {
    const t = upload(yTrue);
    const p = upload(yPred);
    const value = loss(t, p);
    const g = tf.grad((x: tf.Tensor) => tf.sum(loss(t, x)))(p);
    out = { value: download(value, yPred), gradYPred: download(g, yPred) };
  });
  return out!;
}

export function runRegularizer(config: unknown, weights: Host): { value: Host; grad: Host } {
  const reg = reptileRegularizer(config);
  let out: { value: Host; grad: Host } | undefined;
  tf.tidy(() => {
    const w = upload(weights);
    const value = reg.apply(w);
    const g = tf.grad((x: tf.Tensor) => reg.apply(x))(w);
    out = { value: download(value, weights), grad: download(g, weights) };
  });
  return out!;
}

/** The learning rate a ReptileOptimizer uses at each step when the case's schedule is its lr. */
export function runSchedule(config: unknown, steps: readonly number[]): number[] {
  const spec = specFromOptimizer({ name: 'sgd', lr: config });
  return steps.map((s) => spec.learningRate(s));
}

/**
 * K replicas in one process: each worker's ReptileOptimizer forms its proposal on tfjs; at sync
 * steps the mean is taken as a collective would (host, float64 accumulation, meanOfBuffers) and
 * core's `blend` runs on tfjs through the zero-copy path.
 */
export function runZooKeeper(
  config: unknown,
  workers: number,
  params: readonly Host[],
  grads: readonly (readonly (readonly Host[])[])[],
): Host[][][] {
  const spec = specFromOptimizer(config);
  const zk = spec.zookeeper!;
  const replicas = Array.from({ length: workers }, () => params.map((p) => tf.variable(upload(p))));
  const opts = replicas.map(() => new ReptileOptimizer(spec));
  try {
    return grads.map((step, t) => {
      replicas.forEach((vars, k) => {
        tf.tidy(() => {
          opts[k]!.applyGradients(vars.map((v, i) => ({ name: v.name, tensor: upload(step[k]![i]!) })));
        });
      });
      if (isSyncStep(t, zk.syncEvery)) {
        params.forEach((_, i) => {
          const mean = meanOfBuffers(replicas.map((vars) => vars[i]!.dataSync() as Float32Array));
          const meanTf = tf.tensor(mean, replicas[0]![i]!.shape);
          for (const vars of replicas) {
            const [next] = toTfjs(blend([fromTfjs(vars[i]!)], [fromTfjs(meanTf)], zk.beta));
            vars[i]!.assign(next!);
            next!.dispose();
          }
          meanTf.dispose();
        });
      }
      return replicas.map((vars) => vars.map((v, i) => download(v, params[i]!)));
    });
  } finally {
    opts.forEach((o) => {
      o.dispose();
    });
    tf.dispose(replicas.flat());
  }
}

/**
 * tfjs' own optimizer for a Reptile config with the same update rule, or why there is none.
 * Numerical differences between matching pairs are measured in docs/tfjs.md.
 */
export function tfTrainEquivalent(config: unknown): { make: () => tf.Optimizer } | { reason: string } {
  const c = specFromOptimizer(config).config as unknown as Record<string, unknown>;
  if (typeof c.lr !== 'number') return { reason: 'tf.train optimizers take a constant learning rate' };
  const lr = c.lr;
  if (c.weightDecay !== undefined && c.weightDecay !== 0)
    return { reason: 'tf.train optimizers have no weight decay' };
  switch (c.name) {
    case 'sgd':
      if (c.momentum === 0) return { make: () => tf.train.sgd(lr) };
      if (c.dampening !== 0) return { reason: 'tf.train.momentum has no dampening' };
      return { make: () => tf.train.momentum(lr, c.momentum as number, c.nesterov as boolean) };
    case 'adam':
      if (c.amsgrad) return { reason: 'tf.train.adam has no amsgrad' };
      if (c.epsilonStyle !== 'pytorch')
        return { reason: "tf.train.adam adds eps to sqrt(v̂) (torch's placement), not Keras'" };
      return { make: () => tf.train.adam(lr, c.beta1 as number, c.beta2 as number, c.eps as number) };
    case 'rmsprop':
      if (c.epsilonStyle !== 'keras')
        return { reason: 'tf.train.rmsprop takes sqrt(v + eps) (the keras epsilonStyle)' };
      return {
        make: () =>
          tf.train.rmsprop(
            lr,
            c.alpha as number,
            c.momentum as number,
            c.eps as number,
            c.centered as boolean,
          ),
      };
    case 'adagrad':
      if (c.lrDecay !== 0) return { reason: 'tf.train.adagrad has no lrDecay' };
      return { make: () => tf.train.adagrad(lr, c.initialAccumulatorValue as number) };
    default:
      return { reason: `tf.train has no ${String(c.name)} optimizer` };
  }
}
