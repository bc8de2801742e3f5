import {
  Activation,
  type ActivationName,
  Dense as DenseLayer,
  type DenseOptions,
  Dropout as DropoutLayer,
  Flatten as FlattenLayer,
} from '@reptile/layers';

/** Layer factories in the Keras style: `layers.Dense(128, { activation: 'relu' })`. */
export const layers = {
  Dense: (units: number, options: Omit<DenseOptions, 'units'> = {}): DenseLayer =>
    new DenseLayer({ ...options, units }),
  Dropout: (rate: number, options: { name?: string } = {}): DropoutLayer =>
    new DropoutLayer({ ...options, rate }),
  Activation: (activation: ActivationName, options: { name?: string } = {}): Activation =>
    new Activation({ ...options, activation }),
  Flatten: (options: { name?: string } = {}): FlattenLayer => new FlattenLayer(options),
};
