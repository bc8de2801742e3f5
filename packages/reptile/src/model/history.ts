import { asObject, fail } from '@reptile/core';

/** What one epoch measured: 'loss', 'accuracy', 'val_loss', 'val_accuracy', 'lr', 'seconds', ... */
export type EpochLogs = Readonly<Record<string, number>> & { readonly epoch: number };

export interface HistoryJSON {
  readonly format: 'reptile.history';
  readonly version: 1;
  readonly epochs: readonly EpochLogs[];
}

/** The per-epoch record of a fit (Keras' History): plain data, saved as JSON and plotted. */
export class History {
  readonly epochs: EpochLogs[] = [];

  constructor(epochs: readonly EpochLogs[] = []) {
    this.epochs.push(...epochs);
  }

  /** Every value of one metric, epoch by epoch (NaN where an epoch lacks it). */
  metric(name: string): number[] {
    return this.epochs.map((e) => e[name] ?? Number.NaN);
  }

  /** Metric names in first-seen order. */
  get metrics(): string[] {
    const names = new Set<string>();
    for (const e of this.epochs) for (const k of Object.keys(e)) if (k !== 'epoch') names.add(k);
    return [...names];
  }

  /** Keras-style view: metric name → values per epoch. */
  get history(): Record<string, number[]> {
    return Object.fromEntries(this.metrics.map((m) => [m, this.metric(m)]));
  }

  toJSON(): HistoryJSON {
    return { format: 'reptile.history', version: 1, epochs: this.epochs };
  }

  static fromJSON(value: unknown, where = 'history'): History {
    const obj = asObject(value, where);
    if (obj.format !== 'reptile.history' || obj.version !== 1 || !Array.isArray(obj.epochs))
      fail("is not a training history (format 'reptile.history', version 1)", {
        where,
        hint: 'pass a history.json written by fit (historyPath) or the HistoryLog callback',
      });
    obj.epochs.forEach((e, i) => {
      const entry = asObject(e, `${where}.epochs[${i}]`);
      for (const [k, v] of Object.entries(entry))
        if (typeof v !== 'number') fail('expected a number', { where: `${where}.epochs[${i}].${k}` });
    });
    return new History(obj.epochs as EpochLogs[]);
  }
}
