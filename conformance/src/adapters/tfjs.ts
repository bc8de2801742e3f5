import {
  type DriverBackend,
  float64SkipReason,
  runLoss,
  runOptimizer,
  runRegularizer,
  runReptileOptimizer,
  runSchedule,
  runZooKeeper,
  selectBackend,
  tfTrainEquivalent,
} from '../../../adapters/tfjs/src/conformance-driver.ts';
import type { ConformanceAdapter } from '../adapter.ts';
import type { Case } from '../case.ts';
import type { HostTensor } from '../host-tensor.ts';

/**
 * Reptile on TensorFlow.js (@reptile/tfjs), one column per tfjs backend: every optimizer case
 * runs a ReptileOptimizer (a real tf.Optimizer) on tf.Variables, losses and regularizers are the
 * tfjs loss/regularizer objects differentiated by tf.grad. tfjs has no float64, so float64 cases
 * run in float32 and those with a tolerance tighter than float32 are skipped with that reason.
 * The tfjs code lives in adapters/tfjs/src/conformance-driver.ts, where tfjs resolves.
 */
export function createTfjsAdapter(backend: DriverBackend): ConformanceAdapter {
  return {
    name: `tfjs-${backend}`,
    skipReason: (c) => float64SkipReason(caseTensors(c), c.tolerance.rtol),
    async optimizer(config, params, grads) {
      await selectBackend(backend);
      return runReptileOptimizer(config, params, grads);
    },
    async loss(config, yTrue, yPred) {
      await selectBackend(backend);
      return runLoss(config, yTrue, yPred);
    },
    async regularizer(config, weights) {
      await selectBackend(backend);
      return runRegularizer(config, weights);
    },
    async schedule(config, steps) {
      return runSchedule(config, steps);
    },
    async zookeeper(config, workers, params, grads) {
      await selectBackend(backend);
      return runZooKeeper(config, workers, params, grads);
    },
  };
}

export const createTfjsCpuAdapter = (): ConformanceAdapter => createTfjsAdapter('cpu');
export const createTfjsWasmAdapter = (): ConformanceAdapter => createTfjsAdapter('wasm');

/**
 * The peer column: tfjs' own tf.train optimizers on the Reptile configs that have the same
 * update rule (docs/tfjs.md lists each pairing and the measured differences); every other case
 * is skipped with the reason there is no equivalent.
 */
export function createTfTrainAdapter(backend: DriverBackend = 'cpu'): ConformanceAdapter {
  const none = (what: string) => Promise.reject(new Error(`tf.train has no ${what}`));
  return {
    name: 'tf.train',
    skipReason(c) {
      if (c.kind !== 'optimizer') return `tf.train has only optimizers; this is a ${c.kind} case`;
      const eq = tfTrainEquivalent(c.optimizer);
      return 'reason' in eq ? eq.reason : float64SkipReason(caseTensors(c), c.tolerance.rtol);
    },
    async optimizer(config, params, grads) {
      await selectBackend(backend);
      const eq = tfTrainEquivalent(config);
      if ('reason' in eq) throw new Error(eq.reason);
      return runOptimizer(eq.make, params, grads);
    },
    loss: () => none('losses'),
    regularizer: () => none('regularizers'),
    schedule: () => none('schedules'),
    zookeeper: () => none('ZooKeeper'),
  };
}

function caseTensors(c: Case): HostTensor[] {
  switch (c.kind) {
    case 'optimizer':
      return [...c.params, ...c.grads.flat()];
    case 'zookeeper':
      return [...c.params, ...c.grads.flat(2)];
    case 'loss':
      return [c.yTrue, c.yPred];
    case 'regularizer':
      return [c.weights];
    case 'schedule':
      return [];
  }
}
