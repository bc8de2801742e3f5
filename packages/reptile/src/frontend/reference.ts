import {
  deserializeOptimizerState,
  fail,
  grad,
  lossFromConfig,
  materialize,
  type Optimizer,
  type OptimizerState,
  optimizerFromConfig,
  realize,
  regularizerFromConfig,
  serializeOptimizerState,
  Tensor,
  type TypedArray,
} from '@reptile/core';
import { eagerTrainingContext, Random } from '@reptile/layers';
import { singleProcessOptimizer, withLearningRate } from '../api/optimizer.ts';
import type { Frontend, HostBatch, ParamSpec, StepOutput, TrainProgram, TrainSession } from './frontend.ts';
import { collectTensors } from './tensor-tree.ts';

/**
 * The reference frontend: the pure-TS backend, eagerly. Each step is two backend runs: forward,
 * loss and gradients together (so the forward is computed once), then the optimizer update with
 * its new state. Nothing changes unless both succeed, and a non-finite loss stops before the
 * update.
 */
export class ReferenceFrontend implements Frontend {
  readonly name = 'reference';

  async train(
    program: TrainProgram,
    initial: readonly TypedArray[],
    resume?: unknown,
  ): Promise<TrainSession> {
    return new ReferenceSession(program, initial, resume);
  }

  async infer(
    forward: (params: readonly Tensor[], x: Tensor) => Tensor,
    params: readonly ParamSpec[],
    weights: readonly TypedArray[],
    x: Float32Array,
    xShape: readonly number[],
  ): Promise<{ values: Float32Array; shape: number[] }> {
    const tensors = params.map((p, i) => Tensor.fromData(weights[i]!, p.shape, p.dtype));
    const out = forward(tensors, Tensor.fromData(x, xShape, tensors[0]?.dtype ?? 'float32'));
    const values = out.data();
    return {
      values: values instanceof Float32Array ? values : Float32Array.from(values),
      shape: [...out.shape],
    };
  }
}

interface SavedSession {
  readonly format: 'reptile.reference-session';
  readonly optimizer: unknown;
  readonly random: number;
  readonly lr: number | null;
}

class ReferenceSession implements TrainSession {
  private params: Tensor[];
  private optimizer: Optimizer;
  private state: OptimizerState;
  private readonly random: Random;
  private readonly trainable: number[];
  private readonly loss;
  private readonly penalties: { index: number; penalty: (w: Tensor) => Tensor }[];
  private lrOverride: number | null = null;

  constructor(
    private readonly program: TrainProgram,
    initial: readonly TypedArray[],
    resume: unknown,
  ) {
    if (initial.length !== program.params.length)
      fail(`${initial.length} initial values for ${program.params.length} params`, {
        where: 'reference frontend',
      });
    this.params = program.params.map((p, i) => Tensor.fromData(initial[i]!, p.shape, p.dtype));
    this.trainable = program.params.flatMap((p, i) => (p.trainable ? [i] : []));
    this.optimizer = optimizerFromConfig(singleProcessOptimizer(program.optimizer));
    this.loss = lossFromConfig(program.loss);
    const names = program.params.map((p) => p.name);
    this.penalties = program.regularizers.flatMap((r) =>
      r.params.map((name) => {
        const index = names.indexOf(name);
        if (index < 0) fail(`unknown parameter '${name}'`, { where: 'regularizers' });
        const reg = regularizerFromConfig(r.regularizer);
        return { index, penalty: (w: Tensor) => reg.penalty(w) };
      }),
    );
    const trainables = this.trainable.map((i) => this.params[i]!);
    this.state = this.optimizer.init(trainables);
    this.random = new Random(program.seed);
    if (resume !== undefined) {
      const saved = resume as SavedSession;
      if (saved?.format !== 'reptile.reference-session')
        fail('is not a reference-frontend training state', {
          where: 'checkpoint',
          hint: 'resume on the frontend that saved it',
        });
      if (saved.lr !== null) this.setLearningRate(saved.lr);
      this.state = deserializeOptimizerState(saved.optimizer, this.state, 'checkpoint optimizer state');
      this.random = Random.restore(saved.random);
    }
  }

  get steps(): number {
    return this.state.step;
  }

  async step(batch: HostBatch): Promise<StepOutput> {
    const dtype = this.params[0]?.dtype ?? 'float32';
    const x = Tensor.fromData(
      dtype === 'float32' ? batch.x : Float64Array.from(batch.x),
      batch.xShape,
      dtype,
    );
    const y =
      batch.y instanceof Int32Array
        ? Tensor.fromData(batch.y, batch.yShape, 'int32')
        : Tensor.fromData(dtype === 'float32' ? batch.y : Float64Array.from(batch.y), batch.yShape, dtype);
    const updates = new Map<string, Tensor>();
    const output = this.program.forward(this.params, x, eagerTrainingContext(this.random, updates));
    let objective = this.loss.compute(y, output);
    if (objective.size !== 1) objective = objective.mean();
    for (const { index, penalty } of this.penalties)
      objective = objective.add(penalty(this.params[index]!).cast(objective.dtype));
    const trainables = this.trainable.map((i) => this.params[i]!);
    const grads = grad(objective, trainables);
    const extra = [...updates.values()];
    let realised: Tensor[];
    let newParams: Tensor[];
    if (this.optimizer.transform) {
      // A pure transform: loss, output, update and new state in ONE backend run.
      const next = this.optimizer.step(trainables, grads, this.state);
      const { tensors, rebuild } = collectTensors(next.state);
      realised = materialize([objective, output, ...extra, ...next.params, ...tensors]);
      const at = 2 + extra.length;
      this.checkLoss(realised[0]!.item());
      newParams = realised.slice(at, at + next.params.length);
      this.state = rebuild(realised.slice(at + next.params.length)) as OptimizerState;
    } else {
      // An optimizer that communicates (ZooKeeper) reads its proposal on the host, so the
      // forward and gradients are realised first and shared, never computed twice.
      realised = materialize([objective, output, ...extra, ...grads]);
      this.checkLoss(realised[0]!.item());
      const next = this.optimizer.step(trainables, realised.slice(2 + extra.length), this.state);
      const { tensors, rebuild } = collectTensors(next.state);
      const done = materialize([...next.params, ...tensors]);
      newParams = done.slice(0, next.params.length);
      this.state = rebuild(done.slice(next.params.length)) as OptimizerState;
    }
    const loss = realised[0]!.item();
    this.trainable.forEach((p, k) => {
      this.params[p] = newParams[k]!;
    });
    const names = this.program.params.map((p) => p.name);
    [...updates.keys()].forEach((name, k) => {
      const at = names.indexOf(name);
      if (at >= 0) this.params[at] = realised[2 + k]!;
    });
    const outputValues = realised[1]!.data();
    return {
      loss,
      output: outputValues instanceof Float32Array ? outputValues : Float32Array.from(outputValues),
    };
  }

  private checkLoss(loss: number): void {
    if (!Number.isFinite(loss)) {
      fail(`the loss is ${loss} at step ${this.state.step + 1}`, {
        where: 'training step',
        hint: 'weights were left unchanged; lower the learning rate or check the data for NaN/∞',
      });
    }
  }

  async weights(): Promise<TypedArray[]> {
    return realize(this.params);
  }

  setLearningRate(lr: number): void {
    if (!(Number.isFinite(lr) && lr >= 0))
      fail(`learning rate ${lr} is not a finite number ≥ 0`, { where: 'setLearningRate' });
    this.lrOverride = lr;
    this.optimizer = optimizerFromConfig(
      singleProcessOptimizer(withLearningRate(this.program.optimizer, lr)),
    );
  }

  learningRate(): number {
    return this.optimizer.learningRate(this.state.step);
  }

  exportState(): SavedSession {
    return {
      format: 'reptile.reference-session',
      optimizer: serializeOptimizerState(this.state),
      random: this.random.snapshot(),
      lr: this.lrOverride,
    };
  }

  dispose(): void {}
}
