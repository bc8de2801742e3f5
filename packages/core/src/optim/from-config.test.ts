import { describe, expect, it } from 'vitest';
import { ReptileError } from '../errors.ts';
import { adam } from './adam.ts';
import { OPTIMIZER_NAMES, optimizerFromConfig, parseOptimizerConfig } from './from-config.ts';
import { sgd } from './sgd.ts';

describe('optimizer configs', () => {
  it('fills in the documented defaults', () => {
    expect(parseOptimizerConfig({ name: 'adam' })).toEqual({
      name: 'adam',
      lr: 1e-3,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: 0,
      amsgrad: false,
      epsilonStyle: 'pytorch',
    });
    expect(parseOptimizerConfig({ name: 'adamw' })).toMatchObject({ weightDecay: 0.01 });
    expect(parseOptimizerConfig({ name: 'rmsprop' })).toMatchObject({ lr: 0.01, alpha: 0.99, eps: 1e-8 });
    expect(parseOptimizerConfig({ name: 'adagrad' })).toMatchObject({ eps: 1e-10, lrDecay: 0 });
    expect(parseOptimizerConfig({ name: 'lion' })).toMatchObject({ lr: 1e-4, beta1: 0.9, beta2: 0.99 });
    expect(parseOptimizerConfig({ name: 'lamb' })).toMatchObject({ lr: 1e-3, eps: 1e-6 });
    expect(parseOptimizerConfig({ name: 'zookeeper' })).toEqual({
      name: 'zookeeper',
      beta: 1,
      syncEvery: 1,
      lr: 0.01,
      momentum: 0,
      nesterov: false,
    });
  });

  it('normalised configs parse to themselves (they can be saved and reloaded)', () => {
    for (const name of OPTIMIZER_NAMES) {
      const once = parseOptimizerConfig({ name });
      expect(parseOptimizerConfig(JSON.parse(JSON.stringify(once)))).toEqual(once);
    }
  });

  it('lists the allowed names for an unknown optimizer', () => {
    expect(() => optimizerFromConfig({ name: 'adamax' })).toThrow(
      "optimizer.name: 'adamax' is not allowed — use one of 'sgd', 'adam', 'adamw', 'rmsprop', 'adagrad', 'lion', 'lamb', 'zookeeper'",
    );
  });

  it.each([
    [{ name: 'adam', beta1: 1 }, 'optimizer.beta1: 1 is out of range — give a number ≥ 0 and < 1'],
    [{ name: 'adam', beta2: -0.1 }, 'optimizer.beta2'],
    [{ name: 'adam', eps: 0 }, 'optimizer.eps: 0 is out of range'],
    [{ name: 'adam', lr: -1 }, 'optimizer.lr: -1 is out of range'],
    [{ name: 'adam', lr: Number.NaN }, 'optimizer.lr: expected a finite number, got NaN'],
    [{ name: 'adam', epsilonStyle: 'tf' }, "optimizer.epsilonStyle: 'tf' is not allowed"],
    [{ name: 'adam', amsgrad: 'yes' }, 'optimizer.amsgrad: expected true or false'],
    [{ name: 'sgd', momentum: Number.POSITIVE_INFINITY }, 'optimizer.momentum: expected a finite number'],
    [{ name: 'sgd', nesterov: true }, 'optimizer.nesterov: nesterov needs momentum > 0'],
    [{ name: 'sgd', momentum: 0.9, dampening: 0.1, nesterov: true }, 'dampening 0'],
    [{ name: 'rmsprop', alpha: 1 }, 'optimizer.alpha'],
    [{ name: 'adagrad', initialAccumulatorValue: -1 }, 'optimizer.initialAccumulatorValue'],
    [{ name: 'lion', weightDecay: -0.1 }, 'optimizer.weightDecay'],
    [
      { name: 'lamb', betas: [0.9, 0.99] },
      "optimizer.betas: unknown field 'betas' — allowed fields: name, lr",
    ],
    [{ name: 'sgd', lr: { name: 'cosine' } }, 'optimizer.lr.peak'],
  ])('rejects %j', (config, message) => {
    expect(() => optimizerFromConfig(config)).toThrow(ReptileError);
    expect(() => optimizerFromConfig(config)).toThrow(message);
  });

  it('uses the caller’s path in messages', () => {
    expect(() => optimizerFromConfig({ name: 'sgd', lr: -1 }, 'recipe.optimizer')).toThrow(
      /^recipe\.optimizer\.lr/,
    );
    expect(() => optimizerFromConfig(42)).toThrow(/optimizer: expected an object, got 42/);
  });

  it('evaluates a schedule lr at the 0-based step and rejects negative schedule values', () => {
    const opt = optimizerFromConfig({
      name: 'sgd',
      lr: { name: 'step', initial: 0.1, stepSize: 2, gamma: 0.5 },
    });
    expect([0, 1, 2, 3, 4].map((s) => opt.learningRate(s))).toEqual([0.1, 0.1, 0.05, 0.05, 0.025]);
    expect(() => opt.learningRate(-1)).toThrow(ReptileError);
    const neg = optimizerFromConfig({
      name: 'sgd',
      lr: { name: 'linearWarmup', init: -1, peak: 1, warmupSteps: 4 },
    });
    expect(() => neg.learningRate(0)).toThrow(/learning rate -1 at step 0 is not a finite number ≥ 0/);
  });

  it('has constructors taking the config without its name', () => {
    expect(adam({ lr: 0.1 }).config).toMatchObject({ name: 'adam', lr: 0.1, beta1: 0.9 });
    expect(sgd().config).toMatchObject({ name: 'sgd', lr: 0.01 });
    expect(() => sgd({ lr: -2 })).toThrow(/^sgd\.lr/);
  });
});
