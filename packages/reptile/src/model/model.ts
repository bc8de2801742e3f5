import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { asObject, fail, type LossConfig, Tensor, type TypedArray } from '@reptile/core';
import {
  INFERENCE,
  type Layer,
  loadWeights,
  type NamedWeightSpec,
  Sequential,
  saveWeights,
} from '@reptile/layers';
import { fuseOutput, type LossSpec } from '../api/loss.ts';
import { writeFileAtomic } from '../atomic.ts';
import type { Dataset } from '../data/dataset.ts';
import { applyNormalizer, fitNormalizer, type Normalizer, normalizerFromJSON } from '../data/normalize.ts';
import { defaultFrontend } from '../frontend/default.ts';
import { exportModel } from '../frontend/exporters.ts';
import { type Frontend, getFrontend, type ParamSpec } from '../frontend/frontend.ts';
import { classificationReport, datasetLoss, type EvaluationReport, type Outputs } from './evaluation.ts';
import { type FitOptions, runFit } from './fit.ts';
import type { History } from './history.ts';
import { type LrFinderOptions, type LrFinderResult, runLrFinder } from './lr-finder.ts';
import { predictedClasses } from './metrics.ts';

/** Options of `new Model(...)`; all optional. */
export interface ModelOptions {
  /**
   * The frontend that trains and runs the model, by registered name: 'reference', 'onnx',
   * 'tfjs-cpu', 'tfjs-wasm', 'tfjs', 'torch' or one an adapter registered (see
   * registeredFrontends). Default: defaultFrontend() at construction.
   */
  readonly frontend?: string;
  /**
   * Seeds weight initialisation, shuffling and dropout (fit's own `seed` overrides the latter
   * two). Default 0.
   */
  readonly seed?: number;
  /** The initial layer stack, input to output; `model.add` appends more. Default none. */
  readonly layers?: readonly Layer[];
}

/** Rows handed to the frontend per inference call. */
const INFER_BATCH = 1024;

/**
 * A trainable model: a Sequential stack of layers, its weights, and the input normalisation
 * learned from the training data. Shapes are inferred from the first data it sees.
 */
export class Model {
  readonly network: Sequential;
  readonly frontend: string;
  readonly seed: number;
  /** @internal current weight values, in `network.weights` order */
  weightValues: TypedArray[] | undefined;
  /** @internal */
  normalizer: Normalizer | undefined;
  /** @internal the loss of the last fit, used by evaluate */
  criterion: LossConfig | undefined;

  constructor(options: ModelOptions = {}) {
    this.network = new Sequential(options.layers ?? []);
    this.frontend = options.frontend ?? defaultFrontend();
    this.seed = options.seed ?? 0;
  }

  add(layer: Layer): this {
    this.network.add(layer);
    return this;
  }

  get built(): boolean {
    return this.weightValues !== undefined;
  }

  /** Fixes shapes and initialises weights; fit does this itself from the training data. */
  build(featureShape: readonly number[], normalizer?: Normalizer): void {
    if (this.weightValues) return;
    this.network.build(featureShape);
    this.normalizer ??= normalizer ?? { method: 'none', mean: [0], std: [1] };
    this.weightValues = this.network.initWeights(this.seed).map((t) => t.data());
  }

  /** @internal builds from a training set: its shape and its normalisation statistics. */
  buildFor(data: Dataset): void {
    if (!this.weightValues) this.build(data.featureShape, fitNormalizer(data));
    else if (this.network.inputShape.join(',') !== data.featureShape.join(','))
      fail(
        `the model takes samples of shape [${this.network.inputShape}], the data has [${data.featureShape}]`,
        {
          where: data.source,
        },
      );
  }

  /** @internal */
  get params(): ParamSpec[] {
    return this.network.weights.map((w: NamedWeightSpec) => ({
      name: w.path,
      shape: w.shape,
      dtype: w.dtype,
      trainable: w.trainable,
    }));
  }

  /** @internal the forward pass with input normalisation, stopping at the logits when asked. */
  forward(logits: boolean) {
    const normalizer = this.normalizer ?? { method: 'none' as const, mean: [0], std: [1] };
    return (params: readonly Tensor[], x: Tensor, ctx = INFERENCE) =>
      this.network.apply(params, applyNormalizer(normalizer, x), ctx, { logits });
  }

  /** @internal */
  async frontendImpl(): Promise<Frontend> {
    return getFrontend(this.frontend);
  }

  /** @internal outputs for a whole dataset, batched. */
  async outputs(data: Dataset, logits: boolean): Promise<Outputs> {
    const weights =
      this.weightValues ?? fail('the model has no weights yet', { hint: 'fit it first (or load weights)' });
    if (this.network.inputShape.join(',') !== data.featureShape.join(','))
      fail(
        `the model takes samples of shape [${this.network.inputShape}], the data has [${data.featureShape}]`,
        {
          where: data.source,
        },
      );
    const frontend = await this.frontendImpl();
    const forward = this.forward(logits);
    const width = this.network.outputShape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(data.size * width);
    for (let start = 0; start < data.size; start += INFER_BATCH) {
      const rows = Int32Array.from({ length: Math.min(INFER_BATCH, data.size - start) }, (_, i) => start + i);
      const batch = data.batch(rows);
      const out = await frontend.infer((p, x) => forward(p, x), this.params, weights, batch.x, batch.xShape);
      values.set(out.values, start * width);
    }
    return { values, width, logits };
  }

  /** @internal the loss evaluate uses, fused with the output activation. */
  lossFor(data: Dataset, criterion?: LossSpec): { loss: LossConfig; logits: boolean } {
    const config =
      criterion?.config ??
      this.criterion ??
      (data.task === 'classification'
        ? ({ name: 'crossEntropy', fromLogits: true, labelSmoothing: 0, reduction: 'mean' } as const)
        : ({ name: 'mse', reduction: 'mean' } as const));
    return fuseOutput(config, this.network.outputActivation);
  }

  /** Trains on `data`; see FitOptions. Resolves with the per-epoch history. */
  fit(data: Dataset, options: FitOptions = {}): Promise<History> {
    return runFit(this, data, options);
  }

  /**
   * Accuracy on labelled data (classification), or the mean loss (regression). With
   * `{ report: true }`: loss, accuracy, top-5, macro precision/recall/F1, per-class scores and
   * the confusion matrix.
   */
  evaluate(data: Dataset): Promise<number>;
  evaluate(data: Dataset, options: { report: true; criterion?: LossSpec }): Promise<EvaluationReport>;
  evaluate(
    data: Dataset,
    options?: { report?: boolean; criterion?: LossSpec },
  ): Promise<number | EvaluationReport>;
  async evaluate(
    data: Dataset,
    options: { report?: boolean; criterion?: LossSpec } = {},
  ): Promise<number | EvaluationReport> {
    if (!data.labels)
      fail('evaluate needs labelled data', { where: data.source, hint: 'use predict for unlabelled data' });
    const { loss, logits } = this.lossFor(data, options.criterion);
    const outputs = await this.outputs(data, logits);
    if (data.task === 'classification') {
      const report = classificationReport(
        options.report ? datasetLoss(loss, outputs, data) : Number.NaN,
        outputs,
        data,
      );
      return options.report ? report : report.accuracy;
    }
    return datasetLoss(loss, outputs, data);
  }

  /** Outputs (probabilities for a softmax model) and, for classifiers, the predicted classes. */
  async predict(
    data: Dataset,
  ): Promise<{ values: Float32Array; shape: number[]; classes: Int32Array | undefined }> {
    const outputs = await this.outputs(data, false);
    const shape = [data.size, ...this.network.outputShape];
    const classifier =
      data.task === 'classification' || ['softmax', 'sigmoid'].includes(this.network.outputActivation ?? '');
    return {
      values: outputs.values,
      shape,
      classes: classifier ? predictedClasses(outputs.values, outputs.width) : undefined,
    };
  }

  /** Learning-rate range test (Smith 2017): see LrFinderOptions. Weights are left unchanged. */
  findLearningRate(data: Dataset, options: LrFinderOptions = {}): Promise<LrFinderResult> {
    return runLrFinder(this, data, options);
  }

  summary(): string {
    return this.network.summary();
  }

  /** The model as JSON: layers, input shape and normalisation (weights are saved separately). */
  getConfig(): Record<string, unknown> {
    return {
      format: 'reptile.model',
      version: 1,
      network: this.network.getConfig(),
      normalizer: this.normalizer ?? null,
    };
  }

  /** Weights by path ('dense_1/kernel') as exact-bit JSON. */
  getWeights(): ReturnType<typeof saveWeights> {
    const values =
      this.weightValues ?? fail('the model has no weights yet', { hint: 'fit or build it first' });
    const specs = this.network.weights;
    return saveWeights(
      specs,
      specs.map((s, i) => Tensor.fromData(values[i]!, s.shape, s.dtype)),
    );
  }

  /** Replaces the weights with saved ones (names, shapes and dtypes must match). */
  setWeights(saved: unknown): void {
    this.weightValues = loadWeights(saved, this.network.weights).map((t) => t.data());
  }

  /** Writes model.json and weights.json into `dir`, each atomically. */
  async save(dir: string): Promise<void> {
    await writeFileAtomic(join(dir, 'model.json'), `${JSON.stringify(this.getConfig(), null, 1)}\n`);
    await writeFileAtomic(join(dir, 'weights.json'), JSON.stringify(this.getWeights()));
  }

  static async load(dir: string, options: Omit<ModelOptions, 'layers'> = {}): Promise<Model> {
    const config = asObject(JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')), `${dir}/model.json`);
    const model = Model.fromConfig(config, options);
    model.setWeights(JSON.parse(await readFile(join(dir, 'weights.json'), 'utf8')));
    return model;
  }

  /** @internal */
  static fromConfig(config: Record<string, unknown>, options: Omit<ModelOptions, 'layers'> = {}): Model {
    if (config.format !== 'reptile.model')
      fail("is not a model config (format 'reptile.model')", { where: 'model.json' });
    const network = Sequential.fromConfig(config.network, 'model.json network');
    const model = new Model({ ...options, layers: network.layers });
    const normalizer =
      config.normalizer === null ? undefined : normalizerFromJSON(config.normalizer, 'model.json normalizer');
    model.build(network.inputShape, normalizer);
    return model;
  }

  /**
   * Export for deployment. The ONNX exporter plugs in here once the ONNX adapter provides it
   * (`registerExporter('onnx', ...)`): `model.export('model.onnx')`.
   */
  async export(path: string): Promise<void> {
    await exportModel(this, path);
  }
}
