import { fail } from '@reptile/core';
import * as tf from '@tensorflow/tfjs-core';
import { ACCUMULATE_PREFIX, type GradientAccumulator } from './accumulation.ts';
import { EMA_PREFIX, type ParameterEma } from './ema.ts';
import type { NamedState, NamedTensor } from './named-state.ts';

/** Everything a ReptileOptimizer saves with `includeOptimizer`. */
export interface StateParts {
  readonly state: NamedState;
  readonly accumulator: GradientAccumulator | undefined;
  readonly ema: ParameterEma | undefined;
}

/**
 * The optimizer's weights: NamedState's (`iter`, `reptile/<path>`, `<variable>/<path>`), then
 * `reptile/accumulate/count` and `reptile/accumulate/sum/<variable>` under a recipe's
 * `accumulate`, and `reptile/ema/<variable>` under its `ema`. The extra names contain a `/`
 * after `reptile/`, which NamedState's dotted shared paths never do, so the parts cannot clash.
 */
export function saveWeights(parts: StateParts): NamedTensor[] {
  return [...parts.state.weights(), ...(parts.accumulator?.weights() ?? []), ...(parts.ema?.weights() ?? [])];
}

/** Loads what `saveWeights` wrote. Every part is checked before any part is replaced. */
export function loadWeights(parts: StateParts, weights: readonly NamedTensor[], where: string): void {
  const named = (prefix: string) =>
    weights.filter((w) => typeof w?.name === 'string' && w.name.startsWith(prefix));
  const accumulation = named(ACCUMULATE_PREFIX);
  const ema = named(EMA_PREFIX);
  const rest = weights.filter((w) => !accumulation.includes(w) && !ema.includes(w));
  if (accumulation.length > 0 && !parts.accumulator) {
    fail(
      `weight '${accumulation[0]!.name}' holds accumulated gradients, but this optimizer does not accumulate`,
      {
        where,
        hint: 'load it into an optimizer made from the same recipe (with accumulate)',
      },
    );
  }
  if (ema.length > 0 && !parts.ema) {
    fail(`weight '${ema[0]!.name}' is a parameter EMA, but this optimizer keeps none`, {
      where,
      hint: 'load it into an optimizer made from the same recipe (with ema)',
    });
  }
  // An EMA starts at the values before the first update: it cannot be made up later.
  const iter = rest.find((w) => w?.name === 'iter')?.tensor;
  if (parts.ema && ema.length === 0 && iter instanceof tf.Tensor && iter.dataSync()[0] !== 0) {
    fail('the weights hold applied updates but no parameter EMA', {
      where,
      hint: 'they were saved by an optimizer without recipe.ema; load them into one made from the same recipe',
    });
  }
  const loadAccumulation = parts.accumulator?.check(accumulation, where);
  const loadEma = parts.ema?.check(ema, where);
  parts.state.restore(rest, where);
  loadAccumulation?.();
  loadEma?.();
}
