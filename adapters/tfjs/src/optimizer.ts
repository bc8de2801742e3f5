import {
  allreduceMeanTensors,
  blend,
  type Collective,
  fail,
  isSyncStep,
  materialize,
  Tensor,
} from '@reptile/core';
import * as tf from '@tensorflow/tfjs-core';
import { GradientAccumulator } from './accumulation.ts';
import { fromTfStorage, reptileDType, toTfStorage } from './dtypes.ts';
import { ParameterEma, type WeightsLike } from './ema.ts';
import { NamedState, type NamedTensor } from './named-state.ts';
import { loadWeights, type StateParts, saveWeights } from './optimizer-weights.ts';
import { specFromOptimizer, specFromRecipe, type TrainingSpec, trainingSpec } from './spec.ts';
import { type StepOutputs, StepPrograms } from './step-program.ts';

export interface ReptileOptimizerOptions {
  /**
   * ZooKeeper across processes: parameters are averaged through this collective at sync steps.
   * Without it ZooKeeper runs as one rank, i.e. exactly its local proposal optimizer.
   */
  readonly collective?: Collective;
}

/**
 * Any Reptile optimizer (or recipe) as a real `tf.Optimizer`: `model.compile({optimizer})`,
 * `fit`, `fitDataset` and `optimizer.minimize` use it unchanged. Each step is one compiled
 * Reptile program run as tfjs kernels on the variables' own backend.
 *
 * State is keyed by variable name, so the order variables arrive in never matters (tfjs' Adam
 * keys state by position). A step that fails — unknown variable, wrong shape, non-finite gradient
 * under a recipe's guard — changes neither the variables nor the optimizer.
 *
 * A recipe's `accumulate` makes each call a micro-batch (accumulation.ts) and its `ema` keeps
 * parameter averages (ema.ts); both are saved with the rest of the state (optimizer-weights.ts).
 */
export class ReptileOptimizer extends tf.Optimizer {
  static readonly className = 'ReptileOptimizer';
  readonly spec: TrainingSpec;
  private readonly state: NamedState;
  private readonly accumulator: GradientAccumulator | undefined;
  private readonly ema: ParameterEma | undefined;
  private readonly programs: StepPrograms;
  private readonly collective: Collective | undefined;
  /** Updates (or, under `accumulate`, micro-batches) skipped by a recipe's `nonFinite: 'skip'`. */
  skipped = 0;

  constructor(spec: TrainingSpec | unknown, options: ReptileOptimizerOptions = {}) {
    super();
    this.spec = isSpec(spec) ? spec : trainingSpec(spec);
    this.state = new NamedState(this.spec);
    const accumulating = this.spec.accumulate > 1;
    this.programs = new StepPrograms(
      accumulating ? { ...this.spec, clip: undefined, nonFinite: 'ignore' } : this.spec,
      this.state.layout,
    );
    this.accumulator = accumulating ? new GradientAccumulator(this.spec) : undefined;
    this.ema = this.spec.ema ? new ParameterEma(this.spec.ema.decay) : undefined;
    this.collective = options.collective;
    if (this.collective && !this.spec.zookeeper) {
      fail('a collective is only used by ZooKeeper', {
        where: 'ReptileOptimizer',
        hint: 'omit options.collective',
      });
    }
  }

  /** The number of updates applied (tfjs' `iterations`). */
  override get iterations(): number {
    return this.state.step;
  }

  /** Micro-batches summed towards the next update under a recipe's `accumulate` (else 0). */
  get accumulated(): number {
    return this.accumulator?.count ?? 0;
  }

  /** The learning rate the next update will use (schedules evaluated on the host). */
  get learningRate(): number {
    return this.spec.learningRate(this.state.step);
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | readonly NamedTensor[]): void {
    const names: string[] = [];
    const grads: tf.Tensor[] = [];
    const add = (name: string, tensor: tf.Tensor | null | undefined) => {
      if (tensor == null) return; // tfjs passes no gradient for variables the loss does not touch
      names.push(name);
      grads.push(tensor);
    };
    if (Array.isArray(variableGradients))
      for (const e of variableGradients as readonly NamedTensor[]) add(e.name, e.tensor);
    else for (const [name, t] of Object.entries(variableGradients as tf.NamedTensorMap)) add(name, t);
    if (names.length === 0) return;
    const variables = names.map((n, i) => this.variable(n, grads[i]!));
    if (new Set(names).size !== names.length) {
      fail(`variable '${names.find((n, i) => names.indexOf(n) !== i)}' got two gradients`, {
        where: this.where,
      });
    }
    if (!this.accumulator) {
      this.update(names, variables, grads);
      return;
    }
    this.state.check(names, variables); // an unknown variable fails now, not N micro-batches later
    const micro = this.accumulator.add(variables, grads, this.where);
    if (micro.kind === 'skipped') this.skipped += 1;
    if (micro.kind !== 'ready') return;
    try {
      this.update(
        micro.variables.map((v) => v.name),
        micro.variables,
        micro.means,
      );
      this.accumulator.commit();
    } finally {
      tf.dispose(micro.means);
    }
  }

  /** One optimizer update: all of it, or (on a throw or a skipped non-finite step) none of it. */
  private update(
    names: readonly string[],
    variables: readonly tf.Variable[],
    grads: readonly tf.Tensor[],
  ): void {
    const t = this.state.step;
    const lr = this.spec.learningRate(t);
    const prepared = this.state.prepare(names, variables);
    let emaStart: ReturnType<ParameterEma['before']> | undefined;
    let committed = false;
    try {
      emaStart = this.ema?.before(variables);
      const out = this.programs.get(names, variables, prepared).run(variables, grads, prepared, t + 1, lr);
      if (out.nonFinite && !this.finite(out, names)) return;
      for (let i = 0; i < variables.length; i++) {
        variables[i]!.assign(out.params[i]!);
        out.params[i]!.dispose();
      }
      this.state.commit(prepared, names, out.shared, out.slots);
      committed = true;
      if (this.spec.zookeeper && this.collective && isSyncStep(t, this.spec.zookeeper.syncEvery)) {
        this.consensus(variables);
      }
      if (emaStart) this.ema!.update(variables, emaStart);
    } finally {
      if (!committed) {
        this.state.discard(prepared);
        if (emaStart) this.ema!.release(emaStart);
      }
    }
  }

  /**
   * Copies of the parameter EMAs of a recipe's `ema` (the caller owns them), keyed by variable
   * name; a variable's EMA exists from its first applied update.
   */
  emaWeights(): tf.NamedTensorMap {
    return this.emaOrFail('emaWeights').values();
  }

  /**
   * Runs `fn` (evaluate, predict, save) with the model's weights set to their EMAs, then
   * restores the trained weights, also if `fn` throws. Do not train the model meanwhile.
   */
  withEmaWeights<T>(model: WeightsLike, fn: () => T | Promise<T>): Promise<T> {
    return this.emaOrFail('withEmaWeights').swapped(model, fn);
  }

  private emaOrFail(where: string): ParameterEma {
    return (
      this.ema ??
      fail('this optimizer keeps no parameter EMA', {
        where: `${this.where}.${where}`,
        hint: 'use optimizerFromRecipe({..., ema: {decay: 0.999}})',
      })
    );
  }

  /**
   * A recipe's non-finite guard: false (results dropped, nothing changed) when a gradient entry
   * is NaN or infinite under 'skip'; throws under 'error'. One host read per step.
   */
  private finite(out: StepOutputs, names: readonly string[]): boolean {
    const count = out.nonFinite!.dataSync()[0]!;
    out.nonFinite!.dispose();
    if (count === 0) return true;
    tf.dispose([
      ...out.params,
      ...[...out.shared, ...out.slots.flat()].flatMap((l) => ('tensor' in l ? [l.tensor] : [])),
    ]);
    if (this.spec.nonFinite === 'skip') {
      this.skipped += 1;
      return false;
    }
    return fail(`non-finite gradient entries (${count}) among ${names.join(', ')}`, {
      where: this.where,
      hint: "variables and optimizer state were left unchanged; lower the learning rate, clip gradients, or set recipe.nonFinite to 'skip'",
    });
  }

  override async getWeights(): Promise<NamedTensor[]> {
    return saveWeights(this.parts);
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    loadWeights(this.parts, weightValues, `${this.where}.setWeights`);
    this.programs.clear();
  }

  private get parts(): StateParts {
    return { state: this.state, accumulator: this.accumulator, ema: this.ema };
  }

  override getConfig(): tf.serialization.ConfigDict {
    return structuredClone(this.spec.json) as tf.serialization.ConfigDict;
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    // tfjs-layers adds the custom-object registry to every config it deserialises.
    const { customObjects: _ignored, ...rest } = config as Record<string, unknown>;
    return new cls(rest) as T;
  }

  override dispose(): void {
    this.state.dispose();
    this.accumulator?.dispose();
    this.ema?.dispose();
    this.programs.clear();
    super.dispose();
  }

  private get where(): string {
    return `ReptileOptimizer (${this.spec.config.name})`;
  }

  private variable(name: string, grad: tf.Tensor): tf.Variable {
    const v = tf.engine().registeredVariables[name];
    if (!v) {
      fail(`no tf.Variable is named '${name}'`, {
        where: this.where,
        hint: 'pass gradients keyed by variable name, as tf.variableGrads returns them',
      });
    }
    if (!(grad instanceof tf.Tensor) || grad.isDisposed)
      fail(`the gradient of '${name}' is not a live tensor`, { where: this.where });
    const same = grad.shape.length === v.shape.length && grad.shape.every((d, i) => d === v.shape[i]);
    if (!same || grad.dtype !== v.dtype) {
      fail(
        `the gradient of '${name}' is ${grad.dtype}[${grad.shape}], the variable is ${v.dtype}[${v.shape}]`,
        {
          where: this.where,
          hint: 'gradients must have exactly the shape and dtype of their variable',
        },
      );
    }
    if (v.dtype !== 'float32')
      fail(`variable '${name}' is ${v.dtype}; only float32 variables can be optimised`, {
        where: this.where,
      });
    return v;
  }

  /** ZooKeeper's consensus and blend: one collective call on the host per sync step. */
  private consensus(variables: readonly tf.Variable[]): void {
    const zk = this.spec.zookeeper!;
    const proposals = variables.map((v) =>
      Tensor.fromData(fromTfStorage(v.dataSync(), 'float32'), v.shape, reptileDType(v.dtype, v.name)),
    );
    const mean = allreduceMeanTensors(this.collective!, proposals);
    const blended = materialize(blend(proposals, mean, zk.beta));
    blended.forEach((b, i) => {
      const t = tf.tensor(toTfStorage(b.data(), b.dtype), variables[i]!.shape, 'float32');
      variables[i]!.assign(t);
      t.dispose();
    });
  }
}

function isSpec(v: unknown): v is TrainingSpec {
  return typeof v === 'object' && v !== null && 'transform' in v && 'json' in v;
}

tf.serialization.registerClass(ReptileOptimizer);

/** `model.compile({optimizer: reptileOptimizer({name: 'adam', lr: 1e-3})})` */
export function reptileOptimizer(config: unknown, options: ReptileOptimizerOptions = {}): ReptileOptimizer {
  return new ReptileOptimizer(specFromOptimizer(config), options);
}

/**
 * The optimizer part of a recipe (optimizer, schedule, clip, accumulate, ema, nonFinite) as a
 * tf.Optimizer; the loss and regularizers go to tfjs-layers (reptileLoss, reptileRegularizer).
 */
export function optimizerFromRecipe(
  recipe: unknown,
  options: ReptileOptimizerOptions = {},
): ReptileOptimizer {
  return new ReptileOptimizer(specFromRecipe(recipe), options);
}
