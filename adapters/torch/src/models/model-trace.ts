import {
  asObject,
  type DType,
  fail,
  type Graph,
  type JsonObject,
  parseDType,
  type Shape,
  Tensor,
  trace,
} from '../core.ts';
import { type ParameterName, parameterNames } from './parameter-names.ts';

/** One weight as a Reptile container declares it (`model.weights[i]`). */
export interface ExportWeightSpec {
  readonly path: string;
  readonly shape: Shape;
  readonly dtype: DType;
  readonly trainable: boolean;
}

/** The context a layer's forward pass receives; inference never draws noise. */
interface InferenceContext {
  readonly training: false;
  uniform(shape: Shape, dtype: DType): Tensor;
}

/**
 * What export needs from a model: Reptile's `Sequential` and `Functional` both fit. Typed
 * structurally so this adapter does not depend on @reptile/layers. `apply` takes one tensor
 * (Sequential) or inputs by name (Functional) and returns a tensor, a list or outputs by name;
 * `applyNamed` (Functional) returns every output by name.
 */
export interface ExportableModel {
  readonly className: string;
  readonly weights: readonly ExportWeightSpec[];
  getConfig(): JsonObject;
  apply(weights: readonly Tensor[], inputs: never, ctx: InferenceContext): unknown;
  /** Functional's every-output form, used when present. */
  applyNamed?(weights: readonly Tensor[], inputs: never, ctx: InferenceContext): unknown;
}

/** One model input or output, per sample (no batch axis). */
export interface ModelTensorSpec {
  readonly name: string;
  readonly shape: Shape;
  readonly dtype: DType;
}

export interface TracedModel {
  /** Inputs x..., then every weight in `model.weights` order; outputs in model order. */
  readonly graph: Graph;
  readonly inputs: readonly ModelTensorSpec[];
  readonly outputs: readonly ModelTensorSpec[];
  readonly parameters: readonly ParameterName[];
  readonly config: JsonObject;
}

const INFERENCE: InferenceContext = {
  training: false,
  uniform: () => fail('a layer asked for random noise in inference mode', { where: 'exportTorchScript' }),
};

/**
 * Traces the inference forward pass for `batchSize` rows with the inputs and weights as
 * placeholders (weights named by their TorchScript names), so the lowering sees weights as
 * method arguments rather than constants.
 */
export function traceModel(model: ExportableModel, batchSize: number, inputDtype?: DType): TracedModel {
  const where = 'exportTorchScript';
  const config = model.getConfig();
  const inputs = modelInputs(model.className, config, inputDtype);
  let specs: readonly ExportWeightSpec[];
  try {
    specs = model.weights;
  } catch (error) {
    fail(`the model has no weights yet (${(error as Error).message})`, {
      where,
      hint: 'build the model (model.build(inputShape)) or train it before exporting',
    });
  }
  const parameters = parameterNames(specs.map((s) => s.path));
  let outputNames: string[] = [];
  const graph = trace(
    [
      ...inputs.map((s) => ({ name: s.name, shape: [batchSize, ...s.shape], dtype: s.dtype })),
      ...specs.map((s, i) => ({ name: parameters[i]!.qualified, shape: s.shape, dtype: s.dtype })),
    ],
    (...placeholders) => {
      const xs = placeholders.slice(0, inputs.length);
      const ws = placeholders.slice(inputs.length);
      const arg =
        model.className === 'Sequential' ? xs[0] : Object.fromEntries(inputs.map((s, i) => [s.name, xs[i]!]));
      const result = model.applyNamed
        ? model.applyNamed(ws, arg as never, INFERENCE)
        : model.apply(ws, arg as never, INFERENCE);
      const outs = modelOutputs(result, config);
      outputNames = outs.map(([n]) => n);
      return outs.map(([, t]) => t);
    },
  );
  const outputs = graph.outputs.map((n, i) => ({
    name: outputNames[i]!,
    shape: n.shape.slice(1),
    dtype: n.dtype,
  }));
  for (const [i, n] of graph.outputs.entries()) {
    if (n.shape[0] !== batchSize)
      fail(`output '${outputNames[i]}' has shape [${n.shape}], which does not start with the batch axis`, {
        where,
        hint: 'only models whose outputs keep the batch axis first can be exported',
      });
  }
  return { graph, inputs, outputs, parameters, config };
}

function modelInputs(className: string, config: JsonObject, inputDtype?: DType): ModelTensorSpec[] {
  const where = 'exportTorchScript: model config';
  if (className === 'Sequential') {
    const shape = config.inputShape;
    if (!Array.isArray(shape))
      fail('the Sequential model is not built (its config has no inputShape)', {
        where,
        hint: 'call model.build(inputShape) or train it before exporting',
      });
    return [{ name: 'input', shape: shape as number[], dtype: inputDtype ?? 'float32' }];
  }
  if (inputDtype !== undefined)
    fail(`inputDtype applies to Sequential models; a ${className} model's inputs carry their own dtypes`, {
      where: 'exportTorchScript options.inputDtype',
      hint: 'declare the dtype on the input instead',
    });
  if (!Array.isArray(config.inputs))
    fail(`a ${className} config needs 'inputs' (a list of {name, shape, dtype})`, { where });
  return config.inputs.map((value, i) => {
    const obj = asObject(value, `${where}.inputs[${i}]`);
    if (typeof obj.name !== 'string' || !Array.isArray(obj.shape))
      fail('expected {name, shape, dtype?}', { where: `${where}.inputs[${i}]` });
    const dtype = obj.dtype === undefined ? 'float32' : parseDType(obj.dtype, `${where}.inputs[${i}].dtype`);
    return { name: obj.name, shape: obj.shape as number[], dtype };
  });
}

function modelOutputs(result: unknown, config: JsonObject): [string, Tensor][] {
  if (result instanceof Tensor) return [['output', result]];
  const names = Array.isArray(config.outputs) ? (config.outputs as unknown[]).map(String) : [];
  if (Array.isArray(result) && result.every((t) => t instanceof Tensor))
    return result.map((t, i) => [names[i] ?? `output_${i}`, t]);
  if (
    typeof result === 'object' &&
    result !== null &&
    Object.values(result).every((t) => t instanceof Tensor)
  ) {
    const entries = Object.entries(result as Record<string, Tensor>);
    // keep the config's output order: it is the order module(...) returns them in
    if (names.length === entries.length && names.every((n) => n in result))
      return names.map((n) => [n, (result as Record<string, Tensor>)[n]!]);
    return entries;
  }
  return fail('model.apply returned something other than tensors', { where: 'exportTorchScript' });
}
