import { fail } from '@reptile/core';
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * Saving a model writes `trainingConfig.loss` from `getLossIdentifiers()`, which keeps strings
 * only: a function loss becomes `{}`, and loading resolves names solely through tfjs-layers'
 * private table of built-in losses (`lossesMap` in losses.ts, not exported, not extensible).
 * So there is no registry to join. Instead these hooks wrap three LayersModel methods:
 *
 * - getLossIdentifiers / getMetricIdentifiers write a Reptile loss as the string
 *   `reptile:<config JSON>`, leaving every other entry to tfjs;
 * - loadTrainingConfig turns those strings back into Reptile losses before tfjs compiles.
 *
 * Each wrapper substitutes placeholders and calls the original method, so tfjs' own handling
 * of built-in names, arrays and per-output dictionaries is untouched. Installed once, on first
 * use of reptileLoss (or explicitly with registerReptile).
 */
const PREFIX = 'reptile:';

interface Hooked {
  loss: unknown;
  metrics: unknown;
  compile(args: tfl.ModelCompileArgs): void;
  getLossIdentifiers(): unknown;
  getMetricIdentifiers(): unknown;
  loadTrainingConfig(config: Record<string, unknown>): void;
}

/** A loss function that knows its Reptile config (see loss.ts). */
// biome-ignore lint/suspicious/noExplicitAny: tfjs calls losses with its own tensor type
type ConfiguredLoss = ((yTrue: any, yPred: any) => unknown) & { readonly reptileLoss: unknown };

const isConfigured = (v: unknown): v is ConfiguredLoss => typeof v === 'function' && 'reptileLoss' in v;

let installed = false;

/** `rebuild` turns a saved config back into a loss function (loss.ts passes reptileLoss). */
export function installTrainingConfigHooks(rebuild: (config: unknown) => ConfiguredLoss): void {
  if (installed) return;
  installed = true;
  const proto = tfl.LayersModel.prototype as unknown as Hooked;
  const getLoss = proto.getLossIdentifiers;
  const getMetrics = proto.getMetricIdentifiers;
  const load = proto.loadTrainingConfig;
  if (typeof getLoss !== 'function' || typeof getMetrics !== 'function' || typeof load !== 'function') {
    fail('this tfjs-layers version has no getLossIdentifiers/getMetricIdentifiers/loadTrainingConfig', {
      where: '@reptile/tfjs',
      hint: 'Reptile losses will not survive model.save(); please report the tfjs-layers version',
    });
  }
  proto.getLossIdentifiers = function (this: Hooked) {
    return identifiers(this.loss, (loss) => getLoss.call(Object.create(this, { loss: { value: loss } })));
  };
  proto.getMetricIdentifiers = function (this: Hooked) {
    return identifiers(this.metrics, (metrics) =>
      getMetrics.call(Object.create(this, { metrics: { value: metrics } })),
    );
  };
  proto.loadTrainingConfig = function (this: Hooked, config: Record<string, unknown>) {
    const restored = new Map<string, ConfiguredLoss>();
    const swap = (v: unknown): unknown => {
      if (typeof v === 'string' && v.startsWith(PREFIX)) {
        const placeholder = `reptileloss${restored.size}`;
        restored.set(placeholder, rebuild(parseIdentifier(v)));
        return placeholder;
      }
      if (Array.isArray(v)) return v.map(swap);
      if (typeof v === 'object' && v !== null)
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, swap(x)]));
      return v;
    };
    const stripped = { ...config, loss: swap(config.loss), metrics: swap(config.metrics) };
    if (restored.size === 0) return load.call(this, config);
    const unswap = (v: unknown): unknown => {
      if (typeof v === 'string' && restored.has(v)) return restored.get(v);
      if (Array.isArray(v)) return v.map(unswap);
      if (typeof v === 'object' && v !== null)
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unswap(x)]));
      return v;
    };
    const compile = this.compile;
    this.compile = (args) =>
      compile.call(this, {
        ...args,
        loss: unswap(args.loss),
        metrics: unswap(args.metrics),
      } as tfl.ModelCompileArgs);
    try {
      load.call(this, stripped);
    } finally {
      delete (this as Partial<Hooked>).compile;
    }
  };
}

/** Runs tfjs' writer on a copy with Reptile losses replaced by placeholders, then swaps them back as identifiers. */
function identifiers(value: unknown, original: (substituted: unknown) => unknown): unknown {
  const found = new Map<string, string>();
  const swap = (v: unknown): unknown => {
    if (isConfigured(v)) {
      const placeholder = `reptileloss${found.size}`;
      found.set(placeholder, `${PREFIX}${JSON.stringify(v.reptileLoss)}`);
      return placeholder;
    }
    if (Array.isArray(v)) return v.map(swap);
    if (typeof v === 'object' && v !== null && typeof v !== 'function') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, swap(x)]));
    }
    return v;
  };
  const result = original(swap(value));
  const unswap = (v: unknown): unknown => {
    if (typeof v === 'string' && found.has(v)) return found.get(v);
    if (Array.isArray(v)) return v.map(unswap);
    if (typeof v === 'object' && v !== null)
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unswap(x)]));
    return v;
  };
  return found.size === 0 ? result : unswap(result);
}

function parseIdentifier(id: string): unknown {
  try {
    return JSON.parse(id.slice(PREFIX.length));
  } catch (error) {
    return fail(`saved loss '${id}' is not valid JSON (${(error as Error).message})`, {
      where: 'model.json trainingConfig',
      hint: 'the file was edited or truncated; re-save the model',
    });
  }
}
