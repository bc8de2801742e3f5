import { flattenTensors } from '../artifacts/state-tree.ts';
import { grad } from '../autodiff/grad.ts';
import { fail } from '../errors.ts';
import { type Loss, lossFromConfig } from '../losses/index.ts';
import { type Optimizer, type OptimizerState, optimizerFromConfig } from '../optim/index.ts';
import { effectiveOptimizerConfig, parseRecipe, type Recipe } from '../recipe/recipe.ts';
import { type Regularizer, regularizerFromConfig } from '../regularizers/index.ts';
import { materialize, type Tensor } from '../tensor/tensor.ts';
import { type Accumulation, accumulate, EMPTY_ACCUMULATION } from './accumulate.ts';
import { clipGradients } from './clip.ts';
import { updateEma } from './ema.ts';
import { allFinite, assertFinite } from './guard.ts';

/** Everything a training run carries between steps besides the parameters. Plain data. */
export interface TrainerState {
  readonly optimizer: OptimizerState;
  readonly accumulation: Accumulation;
  readonly ema: readonly Tensor[] | undefined;
  /** Updates skipped by the non-finite guard ('skip' mode). */
  readonly skipped: number;
}

export interface StepResult {
  readonly params: Tensor[];
  readonly state: TrainerState;
  /** false while accumulating micro-batches or when a non-finite step was skipped */
  readonly applied: boolean;
}

/**
 * Runs a recipe: the loss and its penalties, gradient clipping, accumulation, the non-finite
 * guard, the optimizer and the parameter EMA, in that order. Pure: every call takes the state
 * and returns a new one, so a step that throws leaves the caller's params and state as they were.
 */
export class Trainer {
  readonly recipe: Recipe;
  readonly optimizer: Optimizer;
  readonly loss: Loss | undefined;
  private readonly penalties: readonly { regularizer: Regularizer; params: readonly string[] | undefined }[];

  constructor(
    recipe: Recipe | unknown,
    /** Parameter names, in the order params are passed; used by regularizer targets and errors. */
    readonly paramNames: readonly string[],
  ) {
    this.recipe = parseRecipe(recipe);
    this.optimizer = optimizerFromConfig(effectiveOptimizerConfig(this.recipe), 'recipe.optimizer');
    this.loss = this.recipe.loss ? lossFromConfig(this.recipe.loss, 'recipe.loss') : undefined;
    this.penalties = this.recipe.regularizers.map((r, i) => {
      for (const name of r.params ?? []) {
        if (!paramNames.includes(name)) {
          fail(`unknown parameter '${name}'`, {
            where: `recipe.regularizers[${i}].params`,
            hint: `known parameters: ${paramNames.join(', ')}`,
          });
        }
      }
      return { regularizer: regularizerFromConfig(r.regularizer), params: r.params };
    });
  }

  init(params: readonly Tensor[]): TrainerState {
    this.checkCount(params.length, 'params');
    return {
      optimizer: this.optimizer.init(params),
      accumulation: EMPTY_ACCUMULATION,
      ema: this.recipe.ema ? [...params] : undefined,
      skipped: 0,
    };
  }

  /** Loss plus every regularizer penalty on its parameters, as a lazy scalar. */
  objective(yTrue: Tensor, yPred: Tensor, params: readonly Tensor[]): Tensor {
    if (!this.loss)
      fail('the recipe has no loss', {
        where: 'recipe.loss',
        hint: 'add a loss config, e.g. {"name": "mse"}',
      });
    let total = this.loss.compute(yTrue, yPred);
    if (total.size !== 1) total = total.mean();
    for (const { regularizer, params: targets } of this.penalties) {
      params.forEach((p, i) => {
        if (!targets || targets.includes(this.paramNames[i]!))
          total = total.add(regularizer.penalty(p).cast(total.dtype));
      });
    }
    return total;
  }

  /** Applies one micro-batch's gradients. Returned params and state are realised. */
  apply(params: readonly Tensor[], grads: readonly Tensor[], state: TrainerState): StepResult {
    this.checkCount(params.length, 'params');
    this.checkCount(grads.length, 'gradients');
    // Realised once here: the non-finite guard reads them and the update builds on them.
    const clipped = materialize(this.recipe.clip ? clipGradients(grads, this.recipe.clip) : grads);
    if (this.recipe.nonFinite === 'skip') {
      if (!allFinite(clipped))
        return { params: [...params], state: { ...state, skipped: state.skipped + 1 }, applied: false };
    } else {
      assertFinite(clipped, this.paramNames);
    }
    const { acc, ready } = accumulate(state.accumulation, clipped, this.recipe.accumulate);
    if (!ready) {
      const [...sum] = materialize(acc.sum!);
      return {
        params: [...params],
        state: { ...state, accumulation: { count: acc.count, sum } },
        applied: false,
      };
    }
    const next = this.optimizer.step(params, ready, state.optimizer);
    const ema =
      state.ema && this.recipe.ema ? updateEma(state.ema, next.params, this.recipe.ema.decay) : undefined;
    const flatState = flattenTensors(next.state);
    const realised = materialize([...next.params, ...(ema ?? []), ...flatState.tensors]);
    const newParams = realised.slice(0, params.length);
    const newEma = ema ? realised.slice(params.length, params.length + ema.length) : undefined;
    const optimizerState = flatState.rebuild(realised.slice(params.length + (ema?.length ?? 0)));
    return {
      params: newParams,
      state: {
        optimizer: optimizerState as OptimizerState,
        accumulation: acc,
        ema: newEma,
        skipped: state.skipped,
      },
      applied: true,
    };
  }

  /** Forward, loss, gradients by autodiff, and `apply`, for a model written as `forward(params)`. */
  step(
    params: readonly Tensor[],
    forward: (params: readonly Tensor[]) => Tensor,
    yTrue: Tensor,
    state: TrainerState,
  ): StepResult & { loss: number } {
    const value = this.objective(yTrue, forward(params), params);
    // One backend run computes the loss and the gradients, sharing the forward pass.
    const [loss, ...grads] = materialize([value, ...grad(value, params)]);
    return { ...this.apply(params, grads, state), loss: loss!.item() };
  }

  private checkCount(n: number, what: string): void {
    if (n !== this.paramNames.length) {
      fail(`got ${n} ${what} for ${this.paramNames.length} parameters (${this.paramNames.join(', ')})`, {
        where: 'Trainer',
      });
    }
  }
}
