import { fail } from '@reptile/core';
import { Random } from '@reptile/layers';

/**
 * What a dataset's labels are. 'classification': class indices 0..classes−1 (text labels are
 * numbered in sorted order, see `Dataset.classNames`); 'regression': real-valued targets, `classes`
 * of them per sample. Data loaded without labels reports 'regression' with `classes` 0.
 */
export type Task = 'classification' | 'regression';
/**
 * How `Dataset.batch` hands class labels to the loss: 'index' (the default) as an int32 class
 * index per sample, shape [n]; 'oneHot' as a float32 row per sample with 1 at the class and 0
 * elsewhere, shape [n, classes]. Only classification datasets can be one-hot.
 */
export type LabelEncoding = 'index' | 'oneHot';

/**
 * How inputs are normalised; the statistics always come from the training data and travel with
 * the model (see normalize.ts).
 * - 'standardize': (x − μ)/σ with one μ and σ over all features (torchvision's MNIST transform).
 *   A single affine map never worsens conditioning, so it is the safe default for any data.
 * - 'standardizeFeatures': a μ and σ per feature (scikit-learn's StandardScaler), for tabular
 *   features in different units.
 * - 'scale': divide by the largest |x| seen (pixels 0–255 → [0, 1]).
 * - 'none': use the values as they are.
 */
export type NormalizeMethod = 'none' | 'scale' | 'standardize' | 'standardizeFeatures';
export const NORMALIZE_METHODS: readonly NormalizeMethod[] = [
  'none',
  'scale',
  'standardize',
  'standardizeFeatures',
];

export interface DatasetInit {
  /** Row-major [size, ...featureShape], as read (never normalised in place). */
  readonly features: Float32Array;
  readonly featureShape: readonly number[];
  /** Class indices (classification) or target values [size, targetWidth] (regression). */
  readonly labels?: Int32Array | Float32Array;
  readonly task: Task;
  /** Classification: number of classes; regression: target width. */
  readonly classes: number;
  readonly classNames?: readonly string[];
  readonly featureNames?: readonly string[];
  readonly source: string;
  readonly normalize?: NormalizeMethod;
  readonly labelEncoding?: LabelEncoding;
}

/** One batch as host arrays, ready to become tensors. */
export interface Batch {
  readonly size: number;
  readonly x: Float32Array;
  /** Int32 class indices, float32 one-hot rows, or float32 regression targets; absent without labels. */
  readonly y: Int32Array | Float32Array | undefined;
  readonly xShape: number[];
  readonly yShape: number[];
}

/**
 * An in-memory dataset of numeric features and optional labels. Every operation returns a new
 * dataset sharing no mutable state; randomness is seeded.
 */
export class Dataset {
  readonly features: Float32Array;
  readonly featureShape: readonly number[];
  readonly labels: Int32Array | Float32Array | undefined;
  readonly task: Task;
  readonly classes: number;
  readonly classNames: readonly string[] | undefined;
  readonly featureNames: readonly string[] | undefined;
  readonly source: string;
  readonly normalize: NormalizeMethod;
  readonly labelEncoding: LabelEncoding;
  readonly size: number;
  readonly featureSize: number;

  constructor(init: DatasetInit) {
    this.features = init.features;
    this.featureShape = [...init.featureShape];
    this.featureSize = this.featureShape.reduce((a, b) => a * b, 1);
    if (this.featureSize === 0) fail('samples have no features', { where: init.source });
    if (init.features.length % this.featureSize !== 0)
      fail(`${init.features.length} values do not split into samples of ${this.featureSize}`, {
        where: init.source,
      });
    this.size = init.features.length / this.featureSize;
    this.labels = init.labels;
    this.task = init.task;
    this.classes = init.classes;
    this.classNames = init.classNames;
    this.featureNames = init.featureNames;
    this.source = init.source;
    this.normalize = init.normalize ?? 'standardize';
    this.labelEncoding = init.labelEncoding ?? 'index';
    if (this.labels) {
      const width = this.task === 'regression' ? this.classes : 1;
      if (this.labels.length !== this.size * width)
        fail(`${this.labels.length / width} labels for ${this.size} samples`, { where: init.source });
    }
  }

  private with(changes: Partial<DatasetInit>): Dataset {
    return new Dataset({
      features: this.features,
      featureShape: this.featureShape,
      ...(this.labels ? { labels: this.labels } : {}),
      task: this.task,
      classes: this.classes,
      ...(this.classNames ? { classNames: this.classNames } : {}),
      ...(this.featureNames ? { featureNames: this.featureNames } : {}),
      source: this.source,
      normalize: this.normalize,
      labelEncoding: this.labelEncoding,
      ...changes,
    });
  }

  /** The same data with another normalisation method (applied by the model that trains on it). */
  withNormalization(method: NormalizeMethod): Dataset {
    return this.with({ normalize: method });
  }

  /** The same data with labels given as class indices or as one-hot rows. */
  withLabelEncoding(encoding: LabelEncoding): Dataset {
    if (encoding === 'oneHot' && this.task !== 'classification')
      fail('one-hot labels need a classification dataset', { where: this.source });
    return this.with({ labelEncoding: encoding });
  }

  /** The rows at `indices`, in that order. */
  select(indices: ArrayLike<number>): Dataset {
    const f = this.featureSize;
    const features = new Float32Array(indices.length * f);
    const width = this.task === 'regression' ? this.classes : 1;
    const labels = this.labels
      ? this.labels instanceof Int32Array
        ? new Int32Array(indices.length)
        : new Float32Array(indices.length * width)
      : undefined;
    for (let i = 0; i < indices.length; i++) {
      const r = indices[i]!;
      if (!(r >= 0 && r < this.size)) fail(`row ${r} is outside 0..${this.size - 1}`, { where: this.source });
      features.set(this.features.subarray(r * f, r * f + f), i * f);
      if (labels) labels.set(this.labels!.subarray(r * width, r * width + width), i * width);
    }
    return this.with({ features, ...(labels ? { labels } : {}) });
  }

  slice(start: number, end = this.size): Dataset {
    const s = Math.max(0, Math.min(start, this.size));
    const e = Math.max(s, Math.min(end, this.size));
    return this.select(Int32Array.from({ length: e - s }, (_, i) => s + i));
  }

  shuffle(seed: number): Dataset {
    return this.select(new Random(seed).permutation(this.size));
  }

  /**
   * Splits off `fraction` of the rows for validation. Classification data is stratified: each
   * class contributes the same fraction (rounded), so rare classes appear on both sides.
   */
  split(
    fraction: number,
    options: { seed?: number; stratify?: boolean } = {},
  ): { train: Dataset; validation: Dataset } {
    if (!(fraction > 0 && fraction < 1))
      fail(`validation fraction ${fraction} must be between 0 and 1`, { where: 'Dataset.split' });
    const random = new Random(options.seed ?? 0);
    const order = random.permutation(this.size);
    const validation: number[] = [];
    const train: number[] = [];
    if ((options.stratify ?? true) && this.task === 'classification' && this.labels) {
      const byClass = new Map<number, number[]>();
      for (const r of order) {
        const c = this.labels[r]!;
        const list = byClass.get(c);
        if (list) list.push(r);
        else byClass.set(c, [r]);
      }
      for (const rows of byClass.values()) {
        const k = Math.round(rows.length * fraction);
        validation.push(...rows.slice(0, k));
        train.push(...rows.slice(k));
      }
    } else {
      const k = Math.round(this.size * fraction);
      validation.push(...order.subarray(0, k));
      train.push(...order.subarray(k));
    }
    if (validation.length === 0 || train.length === 0)
      fail(`splitting ${this.size} rows by ${fraction} leaves one side empty`, { where: 'Dataset.split' });
    return { train: this.select(train), validation: this.select(validation) };
  }

  /** The rows `indices` as one batch (labels encoded per `labelEncoding`). */
  batch(indices: ArrayLike<number>): Batch {
    const f = this.featureSize;
    const n = indices.length;
    const x = new Float32Array(n * f);
    for (let i = 0; i < n; i++) {
      const r = indices[i]!;
      x.set(this.features.subarray(r * f, r * f + f), i * f);
    }
    const xShape = [n, ...this.featureShape];
    if (!this.labels) return { size: n, x, y: undefined, xShape, yShape: [] };
    if (this.task === 'regression') {
      const w = this.classes;
      const y = new Float32Array(n * w);
      for (let i = 0; i < n; i++) y.set(this.labels.subarray(indices[i]! * w, indices[i]! * w + w), i * w);
      return { size: n, x, y, xShape, yShape: [n, w] };
    }
    if (this.labelEncoding === 'oneHot') {
      const y = new Float32Array(n * this.classes);
      for (let i = 0; i < n; i++) y[i * this.classes + this.labels[indices[i]!]!] = 1;
      return { size: n, x, y, xShape, yShape: [n, this.classes] };
    }
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) y[i] = this.labels[indices[i]!]!;
    return { size: n, x, y, xShape, yShape: [n] };
  }

  /**
   * Mini-batches over one epoch. With `shuffle`, the order is a seeded permutation; the last
   * batch holds the remainder unless `dropRemainder`.
   */
  *batches(
    batchSize: number,
    options: { shuffle?: boolean; seed?: number; dropRemainder?: boolean } = {},
  ): Generator<Batch> {
    if (!Number.isInteger(batchSize) || batchSize < 1)
      fail(`batch size ${batchSize} is not a positive integer`, { where: 'Dataset.batches' });
    const order = options.shuffle
      ? new Random(options.seed ?? 0).permutation(this.size)
      : Int32Array.from({ length: this.size }, (_, i) => i);
    for (let b = 0; b < this.size; b += batchSize) {
      if (options.dropRemainder && b + batchSize > this.size) break;
      yield this.batch(order.subarray(b, b + batchSize));
    }
  }

  /** Class index labels (classification only). */
  classLabels(): Int32Array {
    if (this.task !== 'classification' || !(this.labels instanceof Int32Array))
      fail('this dataset has no class labels', { where: this.source, hint: 'load it with a label column' });
    return this.labels;
  }

  toString(): string {
    const labels = this.labels
      ? this.task === 'classification'
        ? `, ${this.classes} classes`
        : `, regression targets ×${this.classes}`
      : ', no labels';
    return `Dataset(${this.source}: ${this.size} samples × [${this.featureShape.join(', ')}]${labels})`;
  }
}
