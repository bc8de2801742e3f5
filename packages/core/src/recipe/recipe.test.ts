import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { effectiveOptimizerConfig, parseRecipe, recipeFromJSON, recipeToJSON } from './recipe.ts';

describe('recipe', () => {
  it('fills in every default', () => {
    const r = parseRecipe({ optimizer: { name: 'adam' } });
    expect(r.optimizer).toMatchObject({
      name: 'adam',
      lr: 0.001,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      amsgrad: false,
    });
    expect(r).toMatchObject({ regularizers: [], accumulate: 1, nonFinite: 'error' });
  });

  it('round-trips losslessly', () => {
    const input = {
      optimizer: { name: 'sgd', momentum: 0.9, nesterov: true },
      loss: { name: 'crossEntropy', labelSmoothing: 0.1 },
      regularizers: [{ regularizer: { name: 'l1l2' }, params: ['w'] }],
      schedule: { name: 'oneCycle', maxLr: 0.1, totalSteps: 100 },
      clip: { globalNorm: 1 },
      accumulate: 3,
      ema: { decay: 0.99 },
      nonFinite: 'skip',
    };
    const once = parseRecipe(input);
    expect(recipeFromJSON(recipeToJSON(once))).toEqual(once);
  });

  it('round-trips any valid combination (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('sgd', 'adam', 'adamw', 'rmsprop', 'adagrad', 'lion', 'lamb', 'zookeeper'),
        fc.double({ min: 1e-6, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 8 }),
        fc.constantFrom('error' as const, 'skip' as const),
        (name, lr, accumulate, nonFinite) => {
          const once = parseRecipe({ optimizer: { name, lr }, accumulate, nonFinite });
          expect(parseRecipe(JSON.parse(recipeToJSON(once)))).toEqual(once);
        },
      ),
    );
  });

  it('names the exact field path and the allowed values', () => {
    expect(() => parseRecipe({})).toThrow(/recipe.optimizer: is required/);
    expect(() => parseRecipe({ optimizer: { name: 'adam' }, optimiser: 1 })).toThrow(
      /recipe.optimiser: unknown field 'optimiser'.*allowed fields: optimizer/,
    );
    expect(() => parseRecipe({ optimizer: { name: 'adma' } })).toThrow(
      /recipe.optimizer.name: 'adma' is not allowed.*'adam'/,
    );
    expect(() => parseRecipe({ optimizer: { name: 'adam' }, nonFinite: 'ignore' })).toThrow(
      /recipe.nonFinite.*'error', 'skip'/,
    );
    expect(() => parseRecipe({ optimizer: { name: 'adam' }, clip: { globalnorm: 1 } })).toThrow(
      /recipe.clip.globalnorm: unknown field/,
    );
    expect(() => parseRecipe({ optimizer: { name: 'adam' }, accumulate: 1.5 })).toThrow(
      /recipe.accumulate: 1.5 is out of range/,
    );
    expect(() =>
      parseRecipe({ optimizer: { name: 'adam' }, loss: { name: 'mse', reduction: 'avg' } }),
    ).toThrow(/recipe.loss.reduction/);
  });

  it('refuses a learning rate given twice', () => {
    expect(() =>
      parseRecipe({ optimizer: { name: 'adam', lr: 0.1 }, schedule: { name: 'constant', value: 0.1 } }),
    ).toThrow(/recipe.optimizer.lr: the learning rate is given twice/);
  });

  it("puts a schedule into ZooKeeper's base optimizer when it has one", () => {
    const schedule = { name: 'step', initial: 0.1, stepSize: 10 };
    const r = parseRecipe({ optimizer: { name: 'zookeeper', beta: 0.5, base: { name: 'adam' } }, schedule });
    expect((r.optimizer as { base: { lr?: unknown } }).base.lr).toBeUndefined();
    expect(effectiveOptimizerConfig(r)).toMatchObject({
      base: { name: 'adam', lr: { name: 'step', initial: 0.1 } },
    });
    expect(() =>
      parseRecipe({ optimizer: { name: 'zookeeper', base: { name: 'adam', lr: 0.1 } }, schedule }),
    ).toThrow(/recipe.optimizer.base.lr: the learning rate is given twice/);
  });

  it('reports JSON syntax errors with the source name', () => {
    expect(() => recipeFromJSON('{"optimizer": ', 'train.json')).toThrow(/train.json: is not valid JSON/);
  });
});
