import { fail } from '../core.ts';
import { SCALAR_TYPE, stringLiteral } from '../lower/dtypes.ts';
import type { TorchScriptModule } from '../lower/module.ts';
import { argumentNames } from '../lower/names.ts';
import type { TracedModel } from './model-trace.ts';

/** The traced forward pass's method name; `forward` is the batch-size-free wrapper around it. */
export const TRACED_METHOD = 'reptile_forward';

export interface SubmoduleClass {
  /** Attribute of the top-level module ('dense_1'). */
  readonly attribute: string;
  /** Class name inside `__torch__` ('ReptileLayer_dense_1'). */
  readonly className: string;
  /** Tensor attributes in declaration order, with whether each is a parameter (else a buffer). */
  readonly tensors: readonly { readonly name: string; readonly parameter: boolean }[];
}

/**
 * The layers' submodules: trainable weights are parameters, the others (BatchNorm moving
 * statistics) buffers, as torch.nn does, so `named_parameters()` lists what an optimizer trains.
 */
export function submoduleClasses(model: TracedModel, trainable: readonly boolean[]): SubmoduleClass[] {
  const byModule = new Map<string, { name: string; parameter: boolean }[]>();
  model.parameters.forEach((p, i) => {
    const list = byModule.get(p.module) ?? [];
    list.push({ name: p.attribute, parameter: trainable[i]! });
    byModule.set(p.module, list);
  });
  return [...byModule].map(([attribute, tensors]) => ({
    attribute,
    className: `ReptileLayer_${attribute}`,
    tensors,
  }));
}

/**
 * The complete `code/__torch__.py`: one class per layer holding its weights, then the model
 * class. The lowering produced the model class with the traced pass as `forward`; it is renamed
 * `reptile_forward` and a new `forward` feeds it fixed-size chunks of the batch (padding the
 * last), because the traced graph has a static batch axis while a PyTorch user expects any batch
 * size. Rows are independent in inference mode, so chunking changes no value.
 */
export function modelSource(
  lowered: TorchScriptModule,
  model: TracedModel,
  submodules: readonly SubmoduleClass[],
  batchSize: number,
): string {
  const lines = lowered.source.replace(/\n$/, '').split('\n');
  const trainingLine = lines.indexOf('  training : bool');
  const forwardLine = lines.findIndex((l) =>
    l.startsWith(`  def forward(self: __torch__.${lowered.className}`),
  );
  if (trainingLine < 0 || forwardLine < 0)
    throw new Error('internal: unexpected layout of the lowered module source');
  lines[forwardLine] = lines[forwardLine]!.replace('def forward(', `def ${TRACED_METHOD}(`);
  lines.splice(trainingLine + 1, 0, ...submodules.map((s) => `  ${s.attribute} : __torch__.${s.className}`));
  const classes = submodules.map((s) =>
    [
      `class ${s.className}(Module):`,
      `  __parameters__ = [${s.tensors
        .filter((t) => t.parameter)
        .map((t) => `"${t.name}", `)
        .join('')}]`,
      `  __buffers__ = [${s.tensors
        .filter((t) => !t.parameter)
        .map((t) => `"${t.name}", `)
        .join('')}]`,
      '  training : bool',
      ...s.tensors.map((t) => `  ${t.name} : Tensor`),
    ].join('\n'),
  );
  return `${[...classes, ...lines, ...forwardWrapper(lowered.className, model, batchSize)].join('\n')}\n`;
}

function forwardWrapper(className: string, model: TracedModel, batch: number): string[] {
  const args = argumentNames(model.inputs.map((s) => s.name));
  const single = model.outputs.length === 1;
  const ret = single ? 'Tensor' : `Tuple[${model.outputs.map(() => 'Tensor').join(', ')}]`;
  const body: string[] = [];
  const add = (depth: number, line: string) => body.push(`${'  '.repeat(depth + 2)}${line}`);
  model.inputs.forEach((s, i) => {
    const a = args[i]!;
    add(
      0,
      `if ${a}.dtype != ${SCALAR_TYPE[s.dtype]} or len(${a}.size()) != ${s.shape.length + 1} or ${a}.size()[1:] != ${shapeList(s.shape)}:`,
    );
    const msg = stringLiteral(
      `reptile: input '${s.name}' (argument ${i}) must be ${s.dtype}[batch, ${s.shape.join(', ')}] (dtype code ${SCALAR_TYPE[s.dtype]}), got dtype code {} shape {}`,
    );
    add(1, `ops.prim.RaiseException(${msg}.format(${a}.dtype, ${a}.size()), "builtins.ValueError")`);
  });
  const first = args[0] ?? fail('a model needs at least one input', { where: 'exportTorchScript' });
  add(0, `_n = ${first}.size(0)`);
  args.slice(1).forEach((a, i) => {
    add(0, `if ${a}.size(0) != _n:`);
    const msg = stringLiteral(
      `reptile: input '${model.inputs[i + 1]!.name}' has {} rows but input '${model.inputs[0]!.name}' has {}`,
    );
    add(1, `ops.prim.RaiseException(${msg}.format(${a}.size(0), _n), "builtins.ValueError")`);
  });
  // each output starts as an empty [0, ...] tensor, so a batch of 0 rows gives empty outputs
  model.outputs.forEach((o, k) => {
    add(0, `_outs${k} = [torch.zeros(${shapeList([0, ...o.shape])}, dtype=${SCALAR_TYPE[o.dtype]})]`);
  });
  add(0, '_start = 0');
  add(0, '_rows = 0');
  add(0, 'while _start < _n:');
  add(1, `_rows = _n - _start`);
  add(1, `if _rows > ${batch}:`);
  add(2, `_rows = ${batch}`);
  args.forEach((a, i) => {
    const s = model.inputs[i]!;
    add(1, `_c${i} = ${a}[_start:_start + _rows]`);
    add(1, `if _rows < ${batch}:`);
    add(
      2,
      `_c${i} = torch.cat([_c${i}, torch.zeros(${shapeList([`${batch} - _rows`, ...s.shape])}, dtype=${SCALAR_TYPE[s.dtype]})], 0)`,
    );
  });
  const weights = model.parameters.map((p) => `self.${p.module}.${p.attribute}`);
  add(1, `_r = self.${TRACED_METHOD}(${[...args.map((_, i) => `_c${i}`), ...weights].join(', ')})`);
  model.outputs.forEach((_, k) => {
    add(1, `_outs${k}.append(_r[${k}][0:_rows])`);
  });
  add(1, `_start = _start + ${batch}`);
  const results = model.outputs.map((_, k) => `torch.cat(_outs${k}, 0)`);
  add(0, `return ${single ? results[0] : `(${results.join(', ')})`}`);
  const head = [`  def forward(self: __torch__.${className},`, ...args.map((a) => `    ${a}: Tensor,`)];
  head[head.length - 1] = head[head.length - 1]!.replace(/,$/, `) -> ${ret}:`);
  return [...head, ...body];
}

function shapeList(dims: readonly (number | string)[]): string {
  return `[${dims.join(', ')}]`;
}
