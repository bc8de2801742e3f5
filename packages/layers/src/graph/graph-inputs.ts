import { type DType, fail, type Shape, Tensor } from '@reptile/core';

/** A named model input: per-sample shape (no batch axis) and dtype. */
export interface GraphInput {
  readonly name: string;
  readonly shape: Shape;
  readonly dtype: DType;
}

/** Batches by input name. */
export type GraphInputs = Readonly<Record<string, Tensor>>;

const show = (s: Shape) => `[${s.join(', ')}]`;

/**
 * The batches for `declared`, checked by name: each must be [batch, ...shape] with the declared
 * dtype, and all must share one batch size. Returns a map from input name to tensor.
 */
export function checkInputs(
  declared: readonly GraphInput[],
  given: Tensor | GraphInputs,
  where: string,
): Map<string, Tensor> {
  const names = declared.map((d) => d.name);
  let record: GraphInputs;
  if (given instanceof Tensor) {
    if (declared.length !== 1)
      fail(`got one tensor for ${declared.length} inputs (${names.join(', ')})`, {
        where,
        hint: `pass a record {${names.map((n) => `${n}: tensor`).join(', ')}}`,
      });
    record = { [names[0]!]: given };
  } else {
    record = given;
    for (const key of Object.keys(record))
      if (!names.includes(key))
        fail(`unknown input '${key}'`, { where, hint: `the model's inputs are ${names.join(', ')}` });
  }
  const values = new Map<string, Tensor>();
  let batch: { size: number; from: string } | undefined;
  for (const input of declared) {
    const at = `${where} input '${input.name}'`;
    const x =
      record[input.name] ?? fail('is missing', { where: at, hint: `pass every input: ${names.join(', ')}` });
    if (!(x instanceof Tensor)) fail('is not a Tensor', { where: at });
    if (x.rank !== input.shape.length + 1 || show(x.shape.slice(1)) !== show(input.shape))
      fail(`expected [batch, ${input.shape.join(', ')}], got ${show(x.shape)}`, {
        where: at,
        hint: 'the batch axis comes first, then the per-sample shape the input declares',
      });
    if (x.dtype !== input.dtype)
      fail(`expected dtype ${input.dtype}, got ${x.dtype}`, {
        where: at,
        hint: `convert it with .cast('${input.dtype}')`,
      });
    if (batch && batch.size !== x.shape[0])
      fail(`has batch size ${x.shape[0]} but input '${batch.from}' has ${batch.size}`, { where: at });
    batch ??= { size: x.shape[0]!, from: input.name };
    values.set(input.name, x);
  }
  return values;
}
