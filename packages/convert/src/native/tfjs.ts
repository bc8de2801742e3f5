import { fail, ReptileError, Tensor } from '@reptile/core';
import { fileSystem } from '@reptile/tfjs/node';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * Runs a tfjs LayersModel folder with tfjs-layers itself (`tf.loadLayersModel` + `predict`, cpu
 * backend): the model's own runtime, which a conversion to or from tfjs is verified against.
 * Inputs are given in the model's input order.
 */
export async function runWithTfjsLayers(folder: string, inputs: readonly Tensor[]): Promise<Tensor[]> {
  await import('@tensorflow/tfjs-backend-cpu');
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
  let model: tfl.LayersModel;
  try {
    model = await tfl.loadLayersModel(fileSystem(folder));
  } catch (error) {
    if (error instanceof ReptileError) throw error;
    throw new ReptileError(`tfjs-layers could not load the model: ${(error as Error).message}`, {
      where: folder,
      cause: error,
    });
  }
  if (model.inputs.length !== inputs.length)
    fail(`the model takes ${model.inputs.length} inputs, got ${inputs.length}`, { where: folder });
  const xs = inputs.map((t) =>
    tf.tensor(t.data() as Float32Array | Int32Array, [...t.shape], t.dtype === 'int32' ? 'int32' : 'float32'),
  );
  try {
    const out = model.predict(xs.length === 1 ? xs[0]! : xs) as tf.Tensor | tf.Tensor[];
    const list = Array.isArray(out) ? out : [out];
    const result = list.map((o) => Tensor.fromData(o.dataSync() as Float32Array, o.shape, 'float32'));
    tf.dispose(list);
    return result;
  } finally {
    tf.dispose(xs);
    model.dispose();
  }
}
