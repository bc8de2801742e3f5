import { describe, expect, it } from 'vitest';
import { Loss } from './loss.ts';
import { Optimizer, withLearningRate } from './optimizer.ts';
import { Regularizer, Schedule } from './regularizer.ts';

describe('Optimizer, Loss, Regularizer and Schedule factories', () => {
  it('map options one to one onto configs with the documented defaults', () => {
    expect(Optimizer.ZooKeeper({ lr: 0.01 }).config).toEqual({
      name: 'zookeeper',
      lr: 0.01,
      beta: 1,
      syncEvery: 1,
      momentum: 0,
      nesterov: false,
    });
    expect(Optimizer.SGD().config).toEqual({
      name: 'sgd',
      lr: 0.01,
      momentum: 0,
      dampening: 0,
      nesterov: false,
      weightDecay: 0,
    });
    expect(Optimizer.Adam({ lr: 3e-4 }).config).toMatchObject({
      name: 'adam',
      lr: 3e-4,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
    });
    for (const make of [
      Optimizer.AdamW,
      Optimizer.RMSprop,
      Optimizer.Adagrad,
      Optimizer.Lion,
      Optimizer.Lamb,
    ])
      expect(make().kind).toBe('optimizer');
    expect(Loss.CrossEntropy().config).toEqual({
      name: 'crossEntropy',
      fromLogits: true,
      labelSmoothing: 0,
      reduction: 'mean',
    });
    expect(Loss.Huber({ delta: 2 }).config).toMatchObject({ name: 'huber', delta: 2 });
    for (const make of [
      Loss.MSE,
      Loss.MAE,
      Loss.BinaryCrossEntropy,
      Loss.NLL,
      Loss.KLDivergence,
      Loss.Hinge,
      Loss.CosineSimilarity,
    ])
      expect(make().kind).toBe('loss');
    expect(Regularizer.L2(1e-4)).toEqual({ name: 'l2', l2: 1e-4 });
    expect(Schedule.cosine({ peak: 0.1, decaySteps: 100 })).toMatchObject({
      name: 'cosine',
      peak: 0.1,
      decaySteps: 100,
    });
  });

  it('name the factory and field in errors', () => {
    expect(() => Optimizer.Adam({ beta1: 2 })).toThrow(/Optimizer.Adam.beta1/);
    expect(() => Optimizer.ZooKeeper({ lr: -1 })).toThrow(/Optimizer.ZooKeeper.lr/);
    expect(() => Loss.CrossEntropy({ labelSmothing: 0.1 } as never)).toThrow(/unknown field 'labelSmothing'/);
  });

  it('sets a fixed lr, inside the base of a ZooKeeper with a base optimizer', () => {
    expect(withLearningRate(Optimizer.SGD().config, 0.5)).toMatchObject({ name: 'sgd', lr: 0.5 });
    const zk = Optimizer.ZooKeeper({ base: { name: 'adam' } }).config;
    expect(withLearningRate(zk, 0.5)).toMatchObject({ name: 'zookeeper', base: { name: 'adam', lr: 0.5 } });
  });
});
