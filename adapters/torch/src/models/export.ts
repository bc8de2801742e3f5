import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { type DType, fail, formatShape, type JsonObject, type Tensor } from '../core.ts';
import { lowerModule } from '../lower/lower.ts';
import type { ConstTensor } from '../lower/module.ts';
import { type ModuleObject, type ModuleValue, writeModelArchive } from './model-archive.ts';
import { modelSource, submoduleClasses } from './model-source.ts';
import { type ExportableModel, type ModelTensorSpec, traceModel } from './model-trace.ts';

/** `format` of the embedded model record. */
export const MODEL_RECORD_FORMAT = 'reptile.torchscript-model';

export interface TorchScriptExportOptions {
  /**
   * Rows the traced pass handles at once (default 32). Any batch size works in PyTorch: `forward`
   * runs the batch in chunks of this many rows, zero-padding the last one.
   */
  readonly batchSize?: number;
  /** dtype of a Sequential model's input (default float32; int32 for Embedding models). */
  readonly inputDtype?: DType;
}

/** One weight in the embedded record: where Reptile had it and where PyTorch has it. */
export interface ExportedWeight {
  readonly path: string;
  /** `named_parameters()` / `state_dict()` key, e.g. 'dense_1.kernel'. */
  readonly name: string;
  readonly kind: 'parameter' | 'buffer';
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly trainable: boolean;
  /** The zip entry (under the archive root) holding its little-endian bytes, e.g. 'data/0'. */
  readonly storage: string;
}

/** `extra/reptile_model.json`: enough to rebuild the Reptile model exactly. */
export interface ModelRecord {
  readonly format: typeof MODEL_RECORD_FORMAT;
  readonly version: 1;
  readonly model: JsonObject;
  readonly batchSize: number;
  readonly inputs: readonly ModelTensorSpec[];
  readonly outputs: readonly ModelTensorSpec[];
  readonly weights: readonly ExportedWeight[];
}

/**
 * The `.pt` bytes of a model's inference pass (see exportTorchScript). Pure: nothing is written.
 */
export function torchScriptModelBytes(
  model: ExportableModel,
  weights: readonly Tensor[],
  options: TorchScriptExportOptions = {},
): Uint8Array {
  const where = 'exportTorchScript';
  const batch = options.batchSize ?? 32;
  if (!Number.isInteger(batch) || batch < 1)
    fail(`batchSize ${batch} must be a positive integer`, { where: `${where} options.batchSize` });
  const traced = traceModel(model, batch, options.inputDtype);
  const specs = model.weights;
  if (weights.length !== specs.length)
    fail(`got ${weights.length} weight values for ${specs.length} weights`, {
      where,
      hint: `pass values in model.weights order: ${specs.map((s) => s.path).join(', ')}`,
    });
  const values: ConstTensor[] = specs.map((s, i) => {
    const w = weights[i]!;
    if (w.dtype !== s.dtype || formatShape(w.shape) !== formatShape(s.shape))
      fail(`is ${w.dtype}${formatShape(w.shape)}, the model needs ${s.dtype}${formatShape(s.shape)}`, {
        where: `${where} weights[${i}] ('${s.path}')`,
      });
    return { dtype: s.dtype, shape: [...s.shape], data: w.data() };
  });
  // Chunked elementwise regions write into preallocated tensors with out=, which autograd
  // refuses when parameters require grad; a model's inference pass does not need them.
  const lowered = lowerModule([{ name: 'forward', graph: traced.graph }], {
    className: 'ReptileModel',
    minChunkedSize: Number.POSITIVE_INFINITY,
  });
  const submodules = submoduleClasses(
    traced,
    specs.map((s) => s.trainable),
  );
  const byModule = new Map<string, [string, ModuleValue][]>();
  traced.parameters.forEach((p, i) => {
    const list = byModule.get(p.module) ?? [];
    list.push([p.attribute, { kind: 'tensor', tensor: values[i]!, requiresGrad: specs[i]!.trainable }]);
    byModule.set(p.module, list);
  });
  const root: ModuleObject = {
    className: lowered.className,
    attributes: [
      ...submodules.map((s): [string, ModuleValue] => [
        s.attribute,
        { kind: 'module', module: { className: s.className, attributes: byModule.get(s.attribute)! } },
      ]),
      ...Object.entries(lowered.attributes).map(([k, v]): [string, ModuleValue] => [
        k,
        { kind: 'int', value: v },
      ]),
      ...lowered.buffers.map((b): [string, ModuleValue] => [
        b.name,
        { kind: 'tensor', tensor: b.tensor, requiresGrad: false },
      ]),
    ],
  };
  return writeModelArchive({
    root,
    source: modelSource(lowered, traced, submodules, batch),
    constants: lowered.constants,
    record: (storageOf): ModelRecord => ({
      format: MODEL_RECORD_FORMAT,
      version: 1,
      model: traced.config,
      batchSize: batch,
      inputs: traced.inputs,
      outputs: traced.outputs,
      weights: traced.parameters.map((p, i) => ({
        path: p.path,
        name: p.qualified,
        kind: specs[i]!.trainable ? 'parameter' : 'buffer',
        dtype: specs[i]!.dtype,
        shape: [...specs[i]!.shape],
        trainable: specs[i]!.trainable,
        storage: storageOf.get(values[i]!)!,
      })),
    }),
  });
}

/**
 * Writes a model's inference pass as a TorchScript archive that stock `torch.jit.load(path)`
 * loads: `module(x)` (or `module(*inputs)` in input order) returns the output (a tuple for
 * several outputs) for any batch size. Weights are the module's parameters and buffers, named
 * '<layer>.<weight>' (docs/torch-models.md); the model config is embedded as
 * `extra/reptile_model.json`, so `importTorchScript` rebuilds it exactly. Written atomically:
 * a temporary file beside `path`, then renamed.
 */
export async function exportTorchScript(
  path: string,
  model: ExportableModel,
  weights: readonly Tensor[],
  options: TorchScriptExportOptions = {},
): Promise<void> {
  if (!/\.(pt|pth|torchscript)$/i.test(path))
    fail(`a TorchScript file should end in .pt, got '${path}'`, {
      where: 'exportTorchScript',
      hint: "name it e.g. 'model.pt'",
    });
  const bytes = torchScriptModelBytes(model, weights, options);
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, bytes);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
