import { fail } from '@reptile/core';

/**
 * Translations of single Keras config values (snake_case model.json) to Reptile's and back.
 * Each reader refuses what Reptile cannot express, naming the field, instead of approximating.
 */
export interface ValueMap {
  readonly read: (value: unknown, where: string) => unknown;
  readonly write: (value: unknown, where: string) => unknown;
}

export const same: ValueMap = { read: (v) => v, write: (v) => v };

const isInt = (v: unknown): v is number => Number.isInteger(v);

/** kernel_size, strides, pool_size, dilation_rate: an int or a pair. */
export const pair: ValueMap = {
  read: (v, where) => {
    if (isInt(v)) return [v, v];
    if (Array.isArray(v) && v.length === 2 && v.every(isInt)) return [...v];
    return fail(`expected an integer or a pair of integers, got ${JSON.stringify(v)}`, { where });
  },
  write: (v, where) => {
    if (isInt(v)) return [v, v];
    if (Array.isArray(v) && v.length === 2 && v.every(isInt)) return [...v];
    return fail(`expected an integer or a pair of integers, got ${JSON.stringify(v)}`, { where });
  },
};

/** Keras activation string ↔ Reptile activation (docs/models.md lists Reptile's). */
const ACTIVATIONS: Record<string, string> = {
  linear: 'linear',
  relu: 'relu',
  elu: 'elu',
  selu: 'selu',
  // tfjs' and Keras' 'gelu' is the exact erf form (approximate=false), as is Reptile's.
  gelu: 'gelu',
  sigmoid: 'sigmoid',
  tanh: 'tanh',
  softmax: 'softmax',
  softplus: 'softplus',
};
const ACTIVATIONS_BACK = Object.fromEntries(Object.entries(ACTIVATIONS).map(([k, v]) => [v, k]));

export const activation: ValueMap = {
  read: (v, where) => {
    // tfjs writes null for a layer built without an activation argument: Keras treats it as linear.
    if (v === null) return 'linear';
    const name = typeof v === 'string' ? ACTIVATIONS[v] : undefined;
    if (name === undefined) {
      fail(`activation ${JSON.stringify(v)} is not available in Reptile`, {
        where,
        hint: `supported: ${Object.keys(ACTIVATIONS).join(', ')} (for LSTM/GRU build tfjs layers with recurrentActivation: 'sigmoid', tfjs defaults to 'hard_sigmoid')`,
      });
    }
    return name;
  },
  write: (v, where) => {
    const name = typeof v === 'string' ? ACTIVATIONS_BACK[v] : undefined;
    if (name === undefined) {
      fail(`activation ${JSON.stringify(v)} has no tfjs-layers equivalent`, {
        where,
        hint: `tfjs-layers activations Reptile maps: ${Object.keys(ACTIVATIONS_BACK).join(', ')}`,
      });
    }
    return name;
  },
};

export const dataFormat: ValueMap = {
  read: (v, where) => {
    if (v === null || v === 'channels_last') return 'channelsLast';
    if (v === 'channels_first') return 'channelsFirst';
    return fail(`data_format ${JSON.stringify(v)} is not 'channels_last' or 'channels_first'`, { where });
  },
  write: (v, where) => {
    if (v === 'channelsLast') return 'channels_last';
    if (v === 'channelsFirst') return 'channels_first';
    return fail(`dataFormat ${JSON.stringify(v)} is not 'channelsLast' or 'channelsFirst'`, { where });
  },
};

export const padding: ValueMap = {
  read: (v, where) => {
    if (v === 'valid' || v === 'same') return v;
    return fail(`padding ${JSON.stringify(v)} is not supported`, { where, hint: "use 'valid' or 'same'" });
  },
  write: (v, where) => {
    if (v === 'valid' || v === 'same') return v;
    return fail(`explicit padding ${JSON.stringify(v)} has no tfjs-layers Conv2D/pooling equivalent`, {
      where,
      hint: "use 'valid' or 'same' (tfjs would need a separate ZeroPadding2D layer)",
    });
  },
};

/** Keras L1L2 (the class tfjs and Keras write for l1, l2 and l1_l2) ↔ Reptile's l1/l2/l1l2 configs. */
export const regularizer: ValueMap = {
  read: (v, where) => {
    if (v === null || v === undefined) return undefined;
    const r = v as { class_name?: unknown; config?: { l1?: unknown; l2?: unknown } };
    const cls = r?.class_name;
    if (
      (cls === 'L1L2' || cls === 'L1' || cls === 'L2') &&
      typeof r.config === 'object' &&
      r.config !== null
    ) {
      const l1 = r.config.l1 ?? 0;
      const l2 = r.config.l2 ?? 0;
      if (typeof l1 === 'number' && typeof l2 === 'number' && l1 >= 0 && l2 >= 0) {
        if (l1 === 0) return { name: 'l2', l2 };
        if (l2 === 0) return { name: 'l1', l1 };
        return { name: 'l1l2', l1, l2 };
      }
    }
    return fail(`regularizer ${JSON.stringify(v)} is not supported`, {
      where,
      hint: 'only L1L2 (l1, l2, l1_l2) regularizers map to Reptile; remove custom regularizers before saving',
    });
  },
  write: (v, where) => {
    if (v === undefined || v === null) return null;
    const r = v as { name?: unknown; l1?: unknown; l2?: unknown };
    if (r.name === 'l1' || r.name === 'l2' || r.name === 'l1l2') {
      // Reptile's defaults (0.01 for each named term) written out, so the value survives tfjs' defaults.
      const l1 = r.name === 'l2' ? 0 : (r.l1 ?? 0.01);
      const l2 = r.name === 'l1' ? 0 : (r.l2 ?? 0.01);
      return { class_name: 'L1L2', config: { l1, l2 } };
    }
    return fail(`regularizer ${JSON.stringify(v)} has no tfjs-layers equivalent`, { where });
  },
};
