import { fail } from '@reptile/core';
import { Dataset, type LabelEncoding, type NormalizeMethod, type Task } from './dataset.ts';

/** Options shared by the text formats (CSV, JSON lines). */
export interface TableOptions {
  /** Task: inferred from the labels when 'auto' (integers ≥ 0 or text → classification). */
  readonly task?: Task | 'auto';
  readonly labelEncoding?: LabelEncoding;
  readonly normalize?: NormalizeMethod;
  /** Per-sample feature shape, e.g. [28, 28] for 784 pixel columns. */
  readonly shape?: readonly number[];
}

/**
 * Accumulates numeric rows into a growing Float32Array (doubling), so a streamed file costs its
 * numbers' memory, never its text's. Labels are kept as numbers, or as text mapped to classes.
 */
export class TableBuilder {
  private data = new Float32Array(1024);
  private length = 0;
  private labelNumbers: number[] = [];
  private labelTexts: string[] | undefined;
  rows = 0;

  constructor(
    readonly width: number,
    readonly hasLabels: boolean,
  ) {}

  pushFeature(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }

  /** A label cell: a number when it parses as one, else text (class names). */
  pushLabel(cell: string, where: string): void {
    const trimmed = cell.trim();
    const n = trimmed === '' ? Number.NaN : Number(trimmed);
    if (Number.isNaN(n) || this.labelTexts) {
      if (trimmed === '') fail('the label is empty', { where, hint: 'every row needs a label' });
      if (!this.labelTexts) {
        if (this.labelNumbers.length > 0)
          fail(`label '${cell}' is text but earlier labels were numbers`, {
            where,
            hint: 'use one kind of label in a column',
          });
        this.labelTexts = [];
      }
      this.labelTexts.push(trimmed);
    } else {
      this.labelNumbers.push(n);
    }
  }

  pushNumericLabel(value: number): void {
    this.labelNumbers.push(value);
  }

  finish(source: string, options: TableOptions, featureNames?: readonly string[]): Dataset {
    if (this.rows === 0)
      fail('has no data rows', { where: source, hint: 'the file is empty or holds only a header' });
    const features = this.data.slice(0, this.length);
    const featureShape = options.shape ?? [this.width];
    if (featureShape.reduce((a, b) => a * b, 1) !== this.width) {
      fail(`shape [${featureShape}] does not hold the ${this.width} features of each row`, {
        where: `${source} (shape option)`,
      });
    }
    const base = {
      features,
      featureShape,
      source,
      ...(options.normalize ? { normalize: options.normalize } : {}),
      ...(featureNames ? { featureNames } : {}),
    };
    if (!this.hasLabels) return new Dataset({ ...base, task: 'regression', classes: 0 });
    if (this.labelTexts) {
      const names = [...new Set(this.labelTexts)].sort();
      const index = new Map(names.map((n, i) => [n, i]));
      if (options.task === 'regression') fail('text labels cannot be regression targets', { where: source });
      return new Dataset({
        ...base,
        labels: Int32Array.from(this.labelTexts, (t) => index.get(t)!),
        task: 'classification',
        classes: names.length,
        classNames: names,
        ...(options.labelEncoding ? { labelEncoding: options.labelEncoding } : {}),
      });
    }
    const integral = this.labelNumbers.every((v) => Number.isInteger(v) && v >= 0);
    const task =
      options.task && options.task !== 'auto' ? options.task : integral ? 'classification' : 'regression';
    if (task === 'classification') {
      if (!integral) {
        const bad = this.labelNumbers.findIndex((v) => !(Number.isInteger(v) && v >= 0));
        fail(`label ${this.labelNumbers[bad]} of data row ${bad + 1} is not a class index (an integer ≥ 0)`, {
          where: source,
          hint: "use task: 'regression' for real-valued targets",
        });
      }
      return new Dataset({
        ...base,
        labels: Int32Array.from(this.labelNumbers),
        task,
        classes: this.labelNumbers.reduce((m, v) => Math.max(m, v), 0) + 1,
        ...(options.labelEncoding ? { labelEncoding: options.labelEncoding } : {}),
      });
    }
    return new Dataset({ ...base, labels: Float32Array.from(this.labelNumbers), task, classes: 1 });
  }
}

/** A feature cell as a number; empty or non-numeric cells are errors at their position. */
export function parseNumber(cell: string, where: string, column: string): number {
  const trimmed = cell.trim();
  const n = trimmed === '' ? Number.NaN : Number(trimmed);
  if (Number.isNaN(n) && trimmed.toLowerCase() !== 'nan') {
    fail(
      trimmed === '' ? `empty cell in column ${column}` : `'${cell}' in column ${column} is not a number`,
      {
        where,
        hint: 'feature cells must be numbers; fill missing values before loading',
      },
    );
  }
  return n;
}
