import type { ConformanceAdapter } from '../adapter.ts';
import {
  grad,
  lossFromConfig,
  optimizerFromConfig,
  realize,
  regularizerFromConfig,
  scheduleFromConfig,
  simulateZooKeeper,
  Tensor,
} from '../core.ts';
import type { HostTensor } from '../host-tensor.ts';
import { settle } from '../settle.ts';

/**
 * Reptile core on the pure-TS reference backend: the executable spec every other frontend is
 * compared against. Each step is realised before the next, as a training loop would.
 */
export function createReferenceAdapter(): ConformanceAdapter {
  return {
    name: 'reference',
    async optimizer(config, params, grads) {
      const opt = optimizerFromConfig(config, 'optimizer');
      let ps = params.map(toTensor);
      let state = opt.init(ps);
      const trajectory: HostTensor[][] = [];
      for (const g of grads) {
        ({ params: ps, state } = settle(opt.step(ps, g.map(toTensor), state)));
        trajectory.push(ps.map(toHost));
      }
      return trajectory;
    },
    async loss(config, yTrue, yPred) {
      const loss = lossFromConfig(config, 'loss');
      const pred = toTensor(yPred);
      const value = loss.compute(toTensor(yTrue), pred);
      const [gradYPred] = grad(value.sum(), [pred]);
      realize([value, gradYPred!]);
      return { value: toHost(value), gradYPred: toHost(gradYPred!) };
    },
    async regularizer(config, weights) {
      const reg = regularizerFromConfig(config, 'regularizer');
      const w = toTensor(weights);
      const value = reg.penalty(w);
      const [g] = grad(value.sum(), [w]);
      realize([value, g!]);
      return { value: toHost(value), grad: toHost(g!) };
    },
    async schedule(config, steps) {
      const schedule = scheduleFromConfig(config, 'schedule');
      return steps.map((s) => schedule(s));
    },
    async zookeeper(config, workers, params, grads) {
      const sim = simulateZooKeeper(config, workers);
      const start = params.map(toTensor);
      let replicas = Array.from({ length: workers }, () => [...start]);
      let state = sim.init(start);
      const trajectory: HostTensor[][][] = [];
      for (const step of grads) {
        const perWorker = step.map((g) => g.map(toTensor));
        ({ replicas, state } = settle(sim.step(replicas, perWorker, state)));
        trajectory.push(replicas.map((r) => r.map(toHost)));
      }
      return trajectory;
    },
  };
}

export function toTensor(t: HostTensor): Tensor {
  return Tensor.fromData(t.data, t.shape, t.dtype);
}

/** Copies the realised data: backend buffers must not be handed out for mutation. */
export function toHost(t: Tensor): HostTensor {
  return { shape: [...t.shape], dtype: t.dtype, data: t.data().slice() };
}
