import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { fail, ReptileError } from '@reptile/core';
import { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';

/** A loaded exported model: its fixed input shape and an onnxruntime session. */
export interface OnnxModel {
  readonly path: string;
  /** [batch, ...features] as declared by the file's `input`. */
  readonly inputShape: readonly number[];
  readonly session: InferenceSession;
}

/** Loads an .onnx file exported by Reptile (`input` → `output`) into onnxruntime-node. */
export async function loadOnnxModel(path: string): Promise<OnnxModel> {
  if (extname(path).toLowerCase() !== '.onnx')
    fail(`expected an .onnx model file, got '${extname(path) || '(no extension)'}'`, {
      where: path,
      hint: "export one with model.export('model.onnx')",
    });
  if (!existsSync(path))
    fail('no such model file', { where: path, hint: "export one with model.export('model.onnx')" });
  let session: InferenceSession;
  try {
    session = await InferenceSession.create(path, { logSeverityLevel: 3 });
  } catch (err) {
    throw new ReptileError(`onnxruntime could not load the model: ${(err as Error).message}`, {
      where: path,
      hint: "re-export it with model.export('model.onnx')",
      cause: err,
    });
  }
  const meta = session.inputMetadata.find((m) => m.name === 'input');
  if (!meta?.isTensor || !session.outputNames.includes('output'))
    fail(`is not a Reptile model export (inputs: ${session.inputNames}, outputs: ${session.outputNames})`, {
      where: path,
      hint: "expected one tensor input 'input' and an output 'output', as model.export writes",
    });
  // A symbolic (string) batch dimension, as other exporters write, is fed whole chunks.
  const inputShape = meta.shape.map((d, i) => (typeof d === 'number' ? d : i === 0 ? -1 : Number.NaN));
  if (inputShape.slice(1).some((d) => !(d >= 0)))
    fail(`input shape [${meta.shape}] has symbolic feature dimensions`, { where: path });
  return { path, inputShape, session };
}

/** Rows per run when the file's batch dimension is symbolic. */
const CHUNK = 1024;

/**
 * Runs `rows` samples of row-major float32 `features` through the model, in chunks of its fixed
 * batch size (the last chunk zero-padded; padded rows are dropped). Returns [rows, width] outputs.
 */
export async function runOnnxModel(
  model: OnnxModel,
  features: Float32Array,
  rows: number,
): Promise<{ values: Float32Array; width: number }> {
  const featureShape = model.inputShape.slice(1);
  const featureSize = featureShape.reduce((a, b) => a * b, 1);
  if (features.length !== rows * featureSize)
    fail(
      `the data has ${features.length / Math.max(rows, 1)} features per row, the model takes ${featureSize}`,
      {
        where: model.path,
        hint: `the model's input is [batch, ${featureShape}]`,
      },
    );
  const batch = model.inputShape[0]! > 0 ? model.inputShape[0]! : CHUNK;
  let values = new Float32Array(0);
  let width = 0;
  for (let start = 0; start < rows; start += batch) {
    const n = Math.min(batch, rows - start);
    const chunk = new Float32Array(batch * featureSize);
    chunk.set(features.subarray(start * featureSize, (start + n) * featureSize));
    const fed = model.inputShape[0]! > 0 ? batch : n;
    const input = new OrtTensor('float32', chunk.subarray(0, fed * featureSize), [fed, ...featureShape]);
    const out = (await model.session.run({ input })).output!;
    if (start === 0) {
      width = out.size / fed;
      values = new Float32Array(rows * width);
    }
    values.set((out.data as Float32Array).subarray(0, n * width), start * width);
  }
  return { values, width };
}
