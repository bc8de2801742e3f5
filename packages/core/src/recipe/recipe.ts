import { asObject, checkKeys, type JsonObject, readEnum, readNumber } from '../config/validate.ts';
import { fail, ReptileError } from '../errors.ts';
import { type LossConfig, lossFromConfig } from '../losses/index.ts';
import { type OptimizerConfig, optimizerFromConfig } from '../optim/index.ts';
import { type RegularizerConfig, regularizerFromConfig } from '../regularizers/index.ts';
import { type ScheduleConfig, scheduleFromConfig } from '../schedules/index.ts';

/**
 * A recipe is one JSON document that says how to train: which optimizer, loss, penalties,
 * learning-rate schedule and gradient processing. Every frontend accepts the same recipe, so a
 * training setup moves between reference, tfjs, ONNX and PyTorch without being rewritten.
 */
export interface Recipe {
  readonly optimizer: OptimizerConfig;
  readonly loss?: LossConfig;
  /** Penalties added to the loss; `params` lists parameter names (all parameters when absent). */
  readonly regularizers: readonly RegularizerEntry[];
  /** Learning-rate schedule; when given, the optimizer config carries no `lr`. */
  readonly schedule?: ScheduleConfig;
  readonly clip?: ClipConfig;
  /** Micro-batches whose gradients are averaged into one update. */
  readonly accumulate: number;
  /** Exponential moving average of the parameters, kept beside them. */
  readonly ema?: { readonly decay: number };
  /** What a non-finite gradient does: throw (default) or skip the update, changing nothing. */
  readonly nonFinite: 'error' | 'skip';
}

export interface RegularizerEntry {
  readonly regularizer: RegularizerConfig;
  readonly params?: readonly string[];
}

export interface ClipConfig {
  /** Rescale all gradients together so their global L2 norm is at most this. Applied second. */
  readonly globalNorm?: number;
  /** Clamp every gradient element to [−value, value]. Applied first. */
  readonly value?: number;
}

const RECIPE_FIELDS = [
  'optimizer',
  'loss',
  'regularizers',
  'schedule',
  'clip',
  'accumulate',
  'ema',
  'nonFinite',
];

/** Validates a recipe and fills in every default; errors name the exact field path. */
export function parseRecipe(value: unknown, where = 'recipe'): Recipe {
  const obj = asObject(value, where);
  checkKeys(obj, RECIPE_FIELDS, where);
  if (obj.optimizer === undefined) {
    fail('is required', {
      where: `${where}.optimizer`,
      hint: 'give an optimizer config, e.g. {"name": "adam", "lr": 0.001}',
    });
  }
  const schedule =
    obj.schedule === undefined ? undefined : scheduleFromConfig(obj.schedule, `${where}.schedule`).config;
  const optimizerInput = asObject(obj.optimizer, `${where}.optimizer`);
  // ZooKeeper with a base optimizer takes its learning rate from the base.
  const lrHolder = lrHolderOf(optimizerInput, `${where}.optimizer`);
  if (schedule && lrHolder.config.lr !== undefined) {
    fail('the learning rate is given twice', {
      where: `${lrHolder.where}.lr`,
      hint: `remove ${lrHolder.where}.lr or ${where}.schedule; a schedule is allowed as ${lrHolder.where}.lr too`,
    });
  }
  // The optimizer is validated with the schedule in place, then stored without it so the
  // recipe round-trips to the same document shape the user wrote.
  const optimizer = optimizerFromConfig(
    schedule ? withLr(optimizerInput, schedule) : optimizerInput,
    `${where}.optimizer`,
  ).config;
  const normalisedOptimizer = schedule
    ? withLr<OptimizerConfig>(optimizer as unknown as JsonObject, undefined)
    : optimizer;
  return {
    optimizer: normalisedOptimizer,
    ...(obj.loss === undefined ? {} : { loss: lossFromConfig(obj.loss, `${where}.loss`).config }),
    regularizers: parseRegularizers(obj.regularizers, `${where}.regularizers`),
    ...(schedule ? { schedule } : {}),
    ...(obj.clip === undefined ? {} : { clip: parseClip(obj.clip, `${where}.clip`) }),
    accumulate: readNumber(obj, 'accumulate', 1, where, { min: 1, integer: true }),
    ...(obj.ema === undefined ? {} : { ema: parseEma(obj.ema, `${where}.ema`) }),
    nonFinite: readEnum(obj, 'nonFinite', ['error', 'skip'] as const, 'error', where),
  };
}

/** The optimizer config the recipe trains with (the schedule folded into `lr`). */
export function effectiveOptimizerConfig(recipe: Recipe): OptimizerConfig {
  return recipe.schedule
    ? withLr<OptimizerConfig>(recipe.optimizer as unknown as JsonObject, recipe.schedule)
    : recipe.optimizer;
}

/** Parses recipe JSON text; syntax errors say where in the source they are. */
export function recipeFromJSON(text: string, source = 'recipe'): Recipe {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ReptileError(`is not valid JSON (${(error as Error).message})`, {
      where: source,
      hint: 'fix the JSON syntax',
      cause: error,
    });
  }
  return parseRecipe(value, source);
}

/** Canonical JSON of a recipe; parsing it again gives an identical recipe. */
export function recipeToJSON(recipe: Recipe): string {
  return JSON.stringify(recipe, null, 2);
}

/** The config object that holds the learning rate: the optimizer, or ZooKeeper's base. */
function lrHolderOf(optimizer: JsonObject, where: string): { config: JsonObject; where: string } {
  if (optimizer.name === 'zookeeper' && optimizer.base !== undefined) {
    return { config: asObject(optimizer.base, `${where}.base`), where: `${where}.base` };
  }
  return { config: optimizer, where };
}

/** A copy of an optimizer config with the learning rate set (or removed when `lr` is undefined). */
function withLr<T>(optimizer: JsonObject, lr: unknown): T {
  const set = (config: JsonObject): JsonObject => {
    const { lr: _old, ...rest } = config;
    return lr === undefined ? rest : { ...rest, lr };
  };
  if (optimizer.name === 'zookeeper' && optimizer.base !== undefined) {
    return { ...optimizer, base: set(optimizer.base as JsonObject) } as T;
  }
  return set(optimizer) as T;
}

function parseRegularizers(value: unknown, where: string): RegularizerEntry[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail('expected an array of {regularizer, params?}', { where });
  return value.map((item, i) => {
    const at = `${where}[${i}]`;
    const entry = asObject(item, at);
    checkKeys(entry, ['regularizer', 'params'], at);
    const regularizer = regularizerFromConfig(entry.regularizer, `${at}.regularizer`).config;
    if (entry.params === undefined) return { regularizer };
    if (!Array.isArray(entry.params) || entry.params.some((p) => typeof p !== 'string')) {
      fail('expected an array of parameter names', { where: `${at}.params` });
    }
    return { regularizer, params: entry.params as string[] };
  });
}

function parseClip(value: unknown, where: string): ClipConfig {
  const obj: JsonObject = asObject(value, where);
  checkKeys(obj, ['globalNorm', 'value'], where);
  if (obj.globalNorm === undefined && obj.value === undefined)
    fail('give globalNorm, value or both', { where });
  return {
    ...(obj.globalNorm === undefined
      ? {}
      : { globalNorm: readNumber(obj, 'globalNorm', undefined, where, { min: 0, exclusiveMin: true }) }),
    ...(obj.value === undefined
      ? {}
      : { value: readNumber(obj, 'value', undefined, where, { min: 0, exclusiveMin: true }) }),
  };
}

function parseEma(value: unknown, where: string): { decay: number } {
  const obj = asObject(value, where);
  checkKeys(obj, ['decay'], where);
  return { decay: readNumber(obj, 'decay', undefined, where, { min: 0, max: 1, exclusiveMin: true }) };
}
