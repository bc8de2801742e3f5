import { fail, type Tensor } from '@reptile/core';
import type { ModelFormat } from './formats.ts';
import { evaluateOn, type RunFrontend } from './frontends.ts';
import { openModel } from './open.ts';

/**
 * `reptile run`: evaluates a model file on a chosen frontend. `inputs` is keyed by input name;
 * a single unnamed tensor (key `input` from a one-tensor JSON file) goes to a one-input model
 * whatever its input is called. Outputs come back by the model's output names.
 */
export async function runModelFile(
  path: string,
  inputs: Readonly<Record<string, Tensor>>,
  frontend: RunFrontend,
  format?: ModelFormat,
): Promise<Record<string, Tensor>> {
  const model = await openModel(path, format);
  const names = model.inputs.map((i) => i.name);
  let feeds = inputs;
  const given = Object.keys(inputs);
  if (names.length === 1 && given.length === 1 && given[0] !== names[0])
    feeds = { [names[0]!]: inputs[given[0]!]! };
  for (const name of names)
    if (!(name in feeds))
      fail(`the model needs input '${name}'`, {
        where: path,
        hint: `give {${names.map((n) => `"${n}": {...}`).join(', ')}}`,
      });
  for (const input of model.inputs) {
    const t = feeds[input.name]!;
    const ok =
      t.rank === input.shape.length && input.shape.every((d, i) => d === undefined || d === t.shape[i]);
    if (!ok)
      fail(
        `input '${input.name}' has shape [${t.shape}], the model takes [${input.shape.map((d) => d ?? 'batch')}]`,
        {
          where: path,
        },
      );
    if (t.dtype !== input.dtype)
      fail(`input '${input.name}' is ${t.dtype}, the model takes ${input.dtype}`, {
        where: path,
        hint: input.dtype === 'int32' ? 'add "dtype": "int32" to the tensor' : 'give float values',
      });
  }
  const outputs = model.forward(feeds);
  const names2 = Object.keys(outputs);
  const values = await evaluateOn(frontend, Object.values(outputs));
  return Object.fromEntries(names2.map((n, i) => [n, values[i]!]));
}
