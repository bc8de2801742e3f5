import {
  type RegularizerConfig,
  regularizerFromConfig,
  type ScheduleConfig,
  scheduleFromConfig,
} from '@reptile/core';

/** Weight penalties for `kernelRegularizer` (Keras semantics, docs/configs.md). */
export const Regularizer = {
  L1: (l1 = 0.01): RegularizerConfig => regularizerFromConfig({ name: 'l1', l1 }, 'Regularizer.L1').config,
  L2: (l2 = 0.01): RegularizerConfig => regularizerFromConfig({ name: 'l2', l2 }, 'Regularizer.L2').config,
  L1L2: (l1 = 0.01, l2 = 0.01): RegularizerConfig =>
    regularizerFromConfig({ name: 'l1l2', l1, l2 }, 'Regularizer.L1L2').config,
};

type Options = Readonly<Record<string, unknown>>;
const schedule =
  (name: string) =>
  (options: Options): ScheduleConfig =>
    scheduleFromConfig({ ...options, name }, `Schedule.${name}`).config;

/** Learning-rate schedule configs, usable as `lr` of any optimizer (evaluated per step). */
export const Schedule = {
  constant: schedule('constant'),
  step: schedule('step'),
  exponential: schedule('exponential'),
  cosine: schedule('cosine'),
  linearWarmup: schedule('linearWarmup'),
  oneCycle: schedule('oneCycle'),
  piecewise: schedule('piecewise'),
};
