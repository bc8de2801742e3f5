import {
  asObject,
  type ClipConfig,
  chain,
  checkKeys,
  clipByGlobalNorm,
  clipByValue,
  effectiveOptimizerConfig,
  fail,
  type GradientTransformation,
  type JsonObject,
  type OptimizerConfig,
  optimizerFromConfig,
  parseOptimizerConfig,
  parseRecipe,
  proposalConfig,
  type Recipe,
  type Tensor,
  type ZooKeeperConfig,
} from '@reptile/core';

/**
 * What a ReptileOptimizer runs, from either an optimizer config (docs/configs.md) or a recipe
 * (docs/recipes.md). Only the parts of a recipe that act on gradients belong to an optimizer;
 * the loss goes to `model.compile({loss})` (see loss.ts), regularizers to layers.
 */
export interface TrainingSpec {
  /** What getConfig() writes: `{optimizer}` or `{recipe}`, normalised, JSON-safe. */
  readonly json: JsonObject;
  readonly config: OptimizerConfig;
  /** The pure transform a step runs (ZooKeeper: its local proposal optimizer's). */
  readonly transform: GradientTransformation<unknown>;
  readonly init: (params: readonly Tensor[]) => unknown;
  /** lr for the update after `step` updates (schedule evaluated). */
  readonly learningRate: (step: number) => number;
  readonly clip: ClipConfig | undefined;
  /** What a non-finite gradient does; 'ignore' (plain configs) applies it like tf.train does. */
  readonly nonFinite: 'error' | 'skip' | 'ignore';
  readonly zookeeper: ZooKeeperConfig | undefined;
  /** Micro-batches averaged into one update (a recipe's `accumulate`; 1 = every call updates). */
  readonly accumulate: number;
  /** A recipe's parameter EMA, kept after each applied update. */
  readonly ema: { readonly decay: number } | undefined;
}

const RECIPE_PARTS = ['optimizer', 'schedule', 'clip', 'accumulate', 'ema', 'nonFinite'];

/** An optimizer config, or `{recipe}`, as written by getConfig(). */
export function trainingSpec(value: unknown, where = 'ReptileOptimizer'): TrainingSpec {
  const obj = asObject(value, where);
  if ('recipe' in obj || 'optimizer' in obj) {
    checkKeys(obj, ['recipe', 'optimizer'], where);
    if (obj.recipe !== undefined) return specFromRecipe(obj.recipe, `${where}.recipe`);
    return specFromOptimizer(obj.optimizer, `${where}.optimizer`);
  }
  return specFromOptimizer(obj, where);
}

export function specFromOptimizer(value: unknown, where = 'optimizer'): TrainingSpec {
  const config = parseOptimizerConfig(value, where);
  return build(config, { optimizer: config as unknown as JsonObject }, undefined, 'ignore', 1, undefined);
}

export function specFromRecipe(value: unknown, where = 'recipe'): TrainingSpec {
  const recipe: Recipe = parseRecipe(value, where);
  const json: Record<string, unknown> = {};
  for (const key of RECIPE_PARTS) {
    const v = (recipe as unknown as Record<string, unknown>)[key];
    if (v !== undefined) json[key] = v;
  }
  return build(
    effectiveOptimizerConfig(recipe),
    { recipe: json },
    recipe.clip,
    recipe.nonFinite,
    recipe.accumulate,
    recipe.ema,
  );
}

function build(
  config: OptimizerConfig,
  json: JsonObject,
  clip: ClipConfig | undefined,
  nonFinite: TrainingSpec['nonFinite'],
  accumulate: number,
  ema: TrainingSpec['ema'],
): TrainingSpec {
  const zookeeper = config.name === 'zookeeper' ? config : undefined;
  const local = optimizerFromConfig(zookeeper ? proposalConfig(zookeeper) : config);
  const transform =
    local.transform ??
    fail(`optimizer '${config.name}' has no pure transform`, { where: 'ReptileOptimizer' });
  return {
    json,
    config,
    transform,
    init: (params) => transform.init(params),
    learningRate: (step) => local.learningRate(step),
    clip,
    nonFinite,
    zookeeper,
    accumulate,
    ema,
  };
}

/** Clip by value, then by global norm (the recipe's order), as one stateless transform. */
export function clipTransform(clip: ClipConfig): GradientTransformation<unknown> {
  const parts: GradientTransformation<unknown>[] = [];
  if (clip.value !== undefined) parts.push(clipByValue(-clip.value, clip.value));
  if (clip.globalNorm !== undefined) parts.push(clipByGlobalNorm(clip.globalNorm));
  return chain(...parts) as GradientTransformation<unknown>;
}
