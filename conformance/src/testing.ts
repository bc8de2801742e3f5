import type { ConformanceAdapter } from './adapter.ts';
import type { Case } from './case.ts';
import { hostTensor } from './host-tensor.ts';

/**
 * An adapter for the runner's own tests: SGD with lr 0.1 (optionally off by `offset`), and
 * methods that throw for the kinds a test does not exercise.
 */
export function fakeAdapter(
  options: { name?: string; offset?: number; skip?: (c: Case) => string | undefined } = {},
): ConformanceAdapter {
  const offset = options.offset ?? 0;
  const unsupported = async (): Promise<never> => {
    throw new Error('not supported by the fake adapter');
  };
  return {
    name: options.name ?? 'fake',
    ...(options.skip ? { skipReason: options.skip } : {}),
    async optimizer(_config, params, grads) {
      let ps = params.map((p) => Array.from(p.data));
      return grads.map((g) => {
        ps = ps.map((p, k) => p.map((x, i) => x - 0.1 * g[k]!.data[i]! + offset));
        return ps.map((p, k) => hostTensor(p, params[k]!.shape, 'float64'));
      });
    },
    loss: unsupported,
    regularizer: unsupported,
    async schedule(_config, steps) {
      return steps.map(() => 1 + offset);
    },
    zookeeper: unsupported,
  };
}

/** SGD lr 0.1 on p = [1, 2], g = [0.5, −1] twice: exact in binary up to the final rounding. */
export const SGD_CASE = {
  name: 'sgd.two-steps',
  kind: 'optimizer',
  optimizer: { name: 'sgd', lr: 0.1 },
  params: [{ shape: [2], data: [1, 2] }],
  grads: [[{ shape: [2], data: [0.5, -1] }], [{ shape: [2], data: [0.5, -1] }]],
  expected: [[{ shape: [2], data: [0.95, 2.1] }], [{ shape: [2], data: [0.9, 2.2] }]],
} as const;

export const CONSTANT_SCHEDULE_CASE = {
  name: 'schedule.constant',
  kind: 'schedule',
  schedule: { name: 'constant', value: 1 },
  steps: [0, 1, 5],
  expected: [1, 1, 1],
} as const;
