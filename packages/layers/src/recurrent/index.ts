import type { JsonObject } from '@reptile/core';
import type { Layer } from '../layer.ts';
import { GRU, type GRUOptions } from './gru.ts';
import { LSTM, type LSTMOptions } from './lstm.ts';

export {
  GRU_GATES,
  gruFromOnnx,
  gruFromTorch,
  gruToOnnx,
  gruToTorch,
  type KerasRecurrentWeights,
  LSTM_GATES,
  lstmFromOnnx,
  lstmFromTorch,
  lstmToOnnx,
  lstmToTorch,
  type OnnxRecurrentWeights,
  reorderGates,
  type TorchRecurrentWeights,
} from './gates.ts';
export { GRU, type GRUOptions } from './gru.ts';
export { LSTM, type LSTMOptions } from './lstm.ts';
export { RecurrentLayer, type RecurrentOptions } from './recurrent-layer.ts';

/** Registry entries for `layerFromConfig`, by className. */
export const RECURRENT_LAYERS: Record<string, (config: JsonObject) => Layer> = {
  LSTM: (c) => new LSTM(c as unknown as LSTMOptions),
  GRU: (c) => new GRU(c as unknown as GRUOptions),
};
