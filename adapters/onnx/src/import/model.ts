import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ReptileError, type Tensor } from '@reptile/core';
import {
  type DecodeOptions,
  decodeOnnxModel,
  type OnnxModelDescription,
  type OnnxValueInfo,
} from './decode.ts';
import { interpretGraph } from './interpret.ts';
import { DEFAULT_LIMITS } from './tensor-proto.ts';
import { Value } from './value.ts';

export interface LoadOptions extends Omit<DecodeOptions, 'modelDir'> {
  /** Name used in error messages when the model is given as bytes. Default 'model.onnx (bytes)'. */
  readonly name?: string;
}

/** An ONNX model ready to run with the tensor protocol on whichever backend realises its outputs. */
export interface OnnxImportedModel {
  readonly description: OnnxModelDescription;
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  /**
   * Builds the outputs as lazy tensors (int64 values run as int32). Realise them with `data()`,
   * `realize(..., backend)`, or an async backend's `run` (torch).
   */
  run(inputs: Readonly<Record<string, Tensor>>): Record<string, Tensor>;
}

/** Reads and validates an ONNX model (a path or the file's bytes). */
export function loadOnnxModel(
  pathOrBytes: string | Uint8Array,
  options: LoadOptions = {},
): OnnxImportedModel {
  let bytes: Uint8Array;
  let source: string;
  let modelDir: string | undefined;
  if (typeof pathOrBytes === 'string') {
    source = pathOrBytes;
    modelDir = dirname(pathOrBytes);
    try {
      bytes = readFileSync(pathOrBytes);
    } catch (e) {
      throw new ReptileError(
        `cannot read the model file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
        {
          where: pathOrBytes,
          hint: 'check the path',
        },
      );
    }
  } else {
    bytes = pathOrBytes;
    source = options.name ?? 'model.onnx (bytes)';
  }
  const { name: _name, ...limits } = options;
  const description = decodeOnnxModel(
    bytes,
    source,
    modelDir === undefined ? limits : { ...limits, modelDir },
  );
  const maxElements = options.maxElements ?? DEFAULT_LIMITS.maxElements;
  const initializers = new Map<string, Value>();
  for (const [name, host] of description.initializers) initializers.set(name, Value.host(host));
  return {
    description,
    inputs: description.inputs,
    outputs: description.outputs,
    run: (inputs) => interpretGraph(description, initializers, inputs, maxElements),
  };
}
