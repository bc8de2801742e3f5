import { type DType, fail, type JsonObject, readBoolean, type Shape, Tensor } from '@reptile/core';
import { type ActivationName, activate, checkActivation } from '../activations.ts';
import { type CallContext, Layer, type LayerWeights, type WeightSpec } from '../layer.ts';
import { defined, readFloatDType, readOptionalName, readOptions, readPositiveInt } from '../options.ts';

export interface RecurrentOptions {
  readonly units: number;
  readonly activation?: ActivationName;
  readonly recurrentActivation?: ActivationName;
  readonly useBias?: boolean;
  /** true: the output at every step, [batch, time, units]; false: only the last, [batch, units]. */
  readonly returnSequences?: boolean;
  /** Process time backwards; with returnSequences the outputs come in processing order (Keras). */
  readonly goBackwards?: boolean;
  readonly dtype?: 'float32' | 'float64';
  readonly name?: string;
}

export const RECURRENT_FIELDS = [
  'units',
  'activation',
  'recurrentActivation',
  'useBias',
  'returnSequences',
  'goBackwards',
  'dtype',
  'name',
];

/**
 * What LSTM and GRU share: Keras weight layout (kernel [in, G·u], recurrentKernel [u, G·u] with
 * G gate blocks side by side), inputs [batch, time, features], and an unrolled loop over the
 * static time length written with protocol ops, so every frontend runs and differentiates it.
 * The input projection x·kernel is done for all steps in one matmul; only h·recurrentKernel
 * stays inside the loop.
 */
export abstract class RecurrentLayer extends Layer {
  readonly units: number;
  readonly activation: ActivationName;
  readonly recurrentActivation: ActivationName;
  readonly useBias: boolean;
  readonly returnSequences: boolean;
  readonly goBackwards: boolean;
  readonly dtype: DType;

  /** Gate blocks in the kernels: 4 for LSTM, 3 for GRU. */
  protected abstract readonly gates: number;

  protected constructor(o: JsonObject, where: string) {
    super(readOptionalName(o.name, `${where}.name`));
    this.units = readPositiveInt(o.units, `${where}.units`);
    this.activation = checkActivation(o.activation ?? 'tanh', `${where}.activation`);
    this.recurrentActivation = checkActivation(
      o.recurrentActivation ?? 'sigmoid',
      `${where}.recurrentActivation`,
    );
    this.useBias = readBoolean(o, 'useBias', true, where);
    this.returnSequences = readBoolean(o, 'returnSequences', false, where);
    this.goBackwards = readBoolean(o, 'goBackwards', false, where);
    this.dtype = readFloatDType(o.dtype, `${where}.dtype`);
  }

  protected abstract get biasShape(): Shape;

  /** Zero state at the start of the sequence (h, plus c for LSTM). */
  protected abstract initialState(batch: number): Tensor[];

  /**
   * The step function for these weights (slices of the weights are taken once, not per step):
   * `xz` is one step's x·kernel (+ input bias), [batch, G·u]; it returns the new state, whose
   * first entry is the output h.
   */
  protected abstract cell(weights: LayerWeights): (xz: Tensor, state: readonly Tensor[]) => Tensor[];

  /** The bias added to the input projection (all of it, except GRU's recurrent row). */
  protected abstract inputBias(weights: LayerWeights): Tensor | undefined;

  protected override createWeights(inputShape: Shape): WeightSpec[] {
    if (inputShape.length !== 2) {
      fail(`needs inputs [batch, time, features], got per-sample shape [${inputShape}]`, {
        where: `layer '${this.name}'`,
        hint: 'reshape the data to [batch, time, features]',
      });
    }
    const width = this.gates * this.units;
    const spec = (name: string, shape: Shape, initializer: 'glorotUniform' | 'zeros'): WeightSpec => ({
      name,
      shape,
      dtype: this.dtype,
      initializer,
      trainable: true,
    });
    // Keras starts the recurrent kernel orthogonal; the initializer list has no orthogonal yet.
    return [
      spec('kernel', [inputShape[1]!, width], 'glorotUniform'),
      spec('recurrentKernel', [this.units, width], 'glorotUniform'),
      ...(this.useBias ? [spec('bias', this.biasShape, 'zeros')] : []),
    ];
  }

  computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 2) {
      fail(`needs inputs [batch, time, features], got per-sample shape [${inputShape}]`, {
        where: `layer '${this.hasName ? this.name : this.className}'`,
      });
    }
    return this.returnSequences ? [inputShape[0]!, this.units] : [this.units];
  }

  call(x: Tensor, weights: LayerWeights, _ctx: CallContext): Tensor {
    const where = `layer '${this.name}'`;
    const [time, features] = this.inputShape as [number, number];
    if (x.rank !== 3 || x.shape[1] !== time || x.shape[2] !== features) {
      fail(`expected inputs [batch, ${time}, ${features}], got [${x.shape.join(', ')}]`, {
        where,
        hint: 'recurrent layers take [batch, time, features] with the time length they were built for',
      });
    }
    const batch = x.shape[0]!;
    const width = this.gates * this.units;
    const kernel = this.weight(weights, 'kernel');
    let projected = x.reshape([batch * time, features]).matmul(kernel);
    const bias = this.inputBias(weights);
    if (bias) projected = projected.add(bias);
    projected = projected.reshape([batch, time, width]);
    const step = this.cell(weights);
    let state = this.initialState(batch);
    const outputs: Tensor[] = [];
    for (let k = 0; k < time; k++) {
      const t = this.goBackwards ? time - 1 - k : k;
      const xz = projected.slice([0, t, 0], [batch, t + 1, width]).reshape([batch, width]);
      state = step(xz, state);
      outputs.push(state[0]!);
    }
    return this.returnSequences ? Tensor.stack(outputs, 1) : state[0]!;
  }

  protected weight(weights: LayerWeights, name: string): Tensor {
    return (
      weights[name] ??
      fail(`weight '${name}' is missing`, {
        where: `layer '${this.name}'`,
        hint: 'pass every weight the layer declared',
      })
    );
  }

  /** Gate block k of a [batch, G·u] pre-activation. */
  protected block(z: Tensor, k: number): Tensor {
    const u = this.units;
    return z.slice([0, k * u], [z.shape[0]!, (k + 1) * u]);
  }

  protected act(x: Tensor): Tensor {
    return activate(this.activation, x);
  }

  protected recurrentAct(x: Tensor): Tensor {
    return activate(this.recurrentActivation, x);
  }

  protected baseConfig(): Record<string, unknown> {
    return {
      name: this.hasName ? this.name : undefined,
      units: this.units,
      activation: this.activation,
      recurrentActivation: this.recurrentActivation,
      useBias: this.useBias,
      returnSequences: this.returnSequences,
      goBackwards: this.goBackwards,
    };
  }

  getConfig(): JsonObject {
    return defined({ ...this.baseConfig(), dtype: this.dtype });
  }
}

export function readRecurrentOptions(options: unknown, extra: readonly string[], where: string): JsonObject {
  return readOptions(options, [...RECURRENT_FIELDS, ...extra], where);
}
