import { existsSync } from 'node:fs';
import { fail, ReptileError, Tensor } from '@reptile/core';
import { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';

/** The dtypes a JSON tensor can carry, as onnxruntime names them. */
const ORT_TYPES = { float32: 'float32', int32: 'int32' } as const;

/**
 * Runs an .onnx file on onnxruntime itself — the file's own runtime, the reference a converted
 * model is verified against. Inputs are matched by name; a missing or extra input is refused.
 */
export async function runWithOnnxRuntime(
  path: string,
  inputs: Readonly<Record<string, Tensor>>,
): Promise<Record<string, Tensor>> {
  if (!existsSync(path)) fail('no such model file', { where: path });
  let session: InferenceSession;
  try {
    session = await InferenceSession.create(path, { logSeverityLevel: 3 });
  } catch (error) {
    throw new ReptileError(`onnxruntime could not load the model: ${(error as Error).message}`, {
      where: path,
      cause: error,
    });
  }
  try {
    const feeds: Record<string, OrtTensor> = {};
    for (const name of session.inputNames) {
      const t = inputs[name] ?? fail(`the model needs input '${name}'`, { where: path });
      const type = ORT_TYPES[t.dtype as keyof typeof ORT_TYPES];
      if (!type) fail(`input '${name}' is ${t.dtype}; onnxruntime is fed float32 or int32`, { where: path });
      feeds[name] = new OrtTensor(type, t.data() as Float32Array | Int32Array, [...t.shape]);
    }
    const extra = Object.keys(inputs).filter((n) => !session.inputNames.includes(n));
    if (extra.length > 0)
      fail(`the model has no input '${extra[0]}'`, {
        where: path,
        hint: `its inputs are ${session.inputNames.join(', ')}`,
      });
    const results = await session.run(feeds);
    const out: Record<string, Tensor> = {};
    for (const name of session.outputNames) {
      const r = results[name]!;
      const dims = r.dims.map(Number);
      if (r.type === 'float32') out[name] = Tensor.fromData(r.data as Float32Array, dims, 'float32');
      else if (r.type === 'int32') out[name] = Tensor.fromData(r.data as Int32Array, dims, 'int32');
      else if (r.type === 'int64')
        out[name] = Tensor.fromData(Int32Array.from(r.data as BigInt64Array, Number), dims, 'int32');
      else if (r.type === 'float64') out[name] = Tensor.fromData(r.data as Float64Array, dims, 'float64');
      else fail(`output '${name}' is ${r.type}, which Reptile does not read`, { where: path });
    }
    return out;
  } finally {
    await session.release();
  }
}
