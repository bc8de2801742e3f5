import { mkdir, readFile, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ReptileError } from '@reptile/core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../testing.ts';
import { importTfjsModel } from './import.ts';
import { buildFunctional, saveTfjs, tempRoot } from './testing.ts';

type Json = {
  modelTopology: {
    class_name: string;
    config: { layers: Record<string, unknown>[] } & Record<string, unknown>;
  };
  weightsManifest: { paths: string[]; weights: Record<string, unknown>[] }[];
} & Record<string, unknown>;

let temp: Awaited<ReturnType<typeof tempRoot>>;
beforeAll(async () => {
  await useBackend('cpu');
  temp = await tempRoot();
});
afterAll(async () => {
  await temp.cleanup();
});

/** A saved tfjs model folder plus its model.json, for tampering with. */
async function saved(layers: () => tfl.layers.Layer[] = mlp): Promise<{ dir: string; json: Json }> {
  const dir = temp.folder();
  const model = tfl.sequential({ layers: layers() });
  await saveTfjs(model, dir);
  model.dispose();
  return { dir, json: JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) };
}

function mlp(): tfl.layers.Layer[] {
  return [
    tfl.layers.dense({ name: 'hidden', units: 4, inputShape: [3], activation: 'relu' }),
    tfl.layers.dense({ name: 'out', units: 2 }),
  ];
}

const rnn =
  (extra: Record<string, unknown> = {}) =>
  () => [
    tfl.layers.lstm({
      name: 'lstm',
      units: 2,
      inputShape: [5, 3],
      recurrentActivation: 'sigmoid',
      // tfjs' default orthogonal initializer needs tfjs-core's chained ops, which this test setup does not load.
      recurrentInitializer: 'glorotUniform',
      ...extra,
    }),
  ];

async function rewrite(dir: string, json: unknown): Promise<void> {
  await writeFile(join(dir, 'model.json'), JSON.stringify(json));
}

async function refusal(dir: string): Promise<ReptileError> {
  const error = await importTfjsModel(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ReptileError);
  return error as ReptileError;
}

describe('importTfjsModel refuses unsafe weight paths', () => {
  it.each([
    ['../outside.bin', "'..' segment"],
    ['/etc/passwd', 'is absolute'],
    ['sub\\..\\..\\x.bin', 'backslash'],
  ])('path %s', async (path, why) => {
    const { dir, json } = await saved();
    json.weightsManifest[0]!.paths = [path];
    await rewrite(dir, json);
    const e = await refusal(dir);
    expect(e.message).toContain(why);
    expect(e.message).toContain('weightsManifest[0].paths[0]');
  });

  it('a symbolic link that leaves the folder', async () => {
    const { dir, json } = await saved();
    const outside = join(temp.folder());
    await mkdir(outside);
    const shard = join(dir, json.weightsManifest[0]!.paths[0]!);
    await writeFile(join(outside, 'w.bin'), await readFile(shard));
    await symlink(join(outside, 'w.bin'), join(dir, 'link.bin'));
    json.weightsManifest[0]!.paths = ['link.bin'];
    await rewrite(dir, json);
    expect((await refusal(dir)).message).toContain('is a link that leaves the model folder');
  });
});

describe('importTfjsModel checks weight bytes against the manifest', () => {
  it('a truncated shard names the first weight that does not fit, with expected and found bytes', async () => {
    const { dir, json } = await saved();
    // hidden/kernel 3x4, hidden/bias 4, out/kernel 4x2, out/bias 2: 26 floats = 104 bytes.
    await truncate(join(dir, json.weightsManifest[0]!.paths[0]!), 100);
    const e = await refusal(dir);
    expect(e.message).toContain(
      "weight 'out/bias' (float32[2]) needs bytes 96..104 but the shards hold only 100",
    );
  });

  it('a padded shard says how many bytes are extra', async () => {
    const { dir, json } = await saved();
    const shard = join(dir, json.weightsManifest[0]!.paths[0]!);
    await writeFile(shard, Buffer.concat([await readFile(shard), Buffer.alloc(8)]));
    expect((await refusal(dir)).message).toContain(
      "hold 112 bytes but the weights need 104 (8 extra bytes after 'out/bias')",
    );
  });

  it('a manifest shape that disagrees with the layer', async () => {
    const { dir, json } = await saved();
    // Same byte count (3x4 = 4x3), wrong layout for a Dense of 4 units.
    json.weightsManifest[0]!.weights[0]!.shape = [4, 3];
    await rewrite(dir, json);
    expect((await refusal(dir)).message).toContain(
      "weight 'hidden/kernel' has shape [4,3], the layer needs [?,4]",
    );
  });

  it('quantized weights', async () => {
    const { dir, json } = await saved();
    json.weightsManifest[0]!.weights[0]!.quantization = { dtype: 'uint8', scale: 0.1, min: -1 };
    await rewrite(dir, json);
    const e = await refusal(dir);
    expect(e.message).toContain("weight 'hidden/kernel' is quantized");
  });

  it.each(['bool', 'complex64', 'string', 'float16'])('dtype %s', async (dtype) => {
    const { dir, json } = await saved();
    json.weightsManifest[0]!.weights[1]!.dtype = dtype;
    await rewrite(dir, json);
    const e = await refusal(dir);
    expect(e.message).toMatch(/dtype/);
    expect(e.message).toContain('weights[1]');
  });
});

describe('importTfjsModel refuses what Reptile cannot express, naming the layer and field', () => {
  it('truncated model.json', async () => {
    const { dir } = await saved();
    const text = await readFile(join(dir, 'model.json'), 'utf8');
    await writeFile(join(dir, 'model.json'), text.slice(0, text.length / 2));
    expect((await refusal(dir)).message).toContain('is not valid JSON');
  });

  it('an unknown layer class', async () => {
    const { dir, json } = await saved();
    json.modelTopology.config.layers[1]!.class_name = 'Conv3D';
    await rewrite(dir, json);
    const e = await refusal(dir);
    expect(e.message).toContain("layer 'out' (Conv3D): layer class Conv3D is not supported");
  });

  it('a constraint', async () => {
    const { dir, json } = await saved();
    (json.modelTopology.config.layers[0]!.config as Record<string, unknown>).kernel_constraint = {
      class_name: 'MaxNorm',
      config: { max_value: 2, axis: 0 },
    };
    await rewrite(dir, json);
    const e = await refusal(dir);
    expect(e.message).toContain("layer 'hidden' (Dense).kernel_constraint");
  });

  it('an option Reptile does not know', async () => {
    const { dir, json } = await saved();
    (json.modelTopology.config.layers[1]!.config as Record<string, unknown>).lora_alpha = 4;
    await rewrite(dir, json);
    expect((await refusal(dir)).message).toContain(
      "layer 'out' (Dense).lora_alpha: option lora_alpha is not supported",
    );
  });

  it('an activation Reptile lacks (tfjs RNNs default to hard_sigmoid)', async () => {
    const { dir } = await saved(rnn({ recurrentActivation: 'hardSigmoid' }));
    const e = await refusal(dir);
    expect(e.message).toContain("layer 'lstm' (LSTM).recurrent_activation");
    expect(e.message).toContain('hard_sigmoid');
  });

  it.each([
    ['stateful', true],
    ['return_state', true],
    ['dropout', 0.2],
    ['time_major', true],
  ])('RNN option %s', async (field, value) => {
    const { dir, json } = await saved(rnn());
    (json.modelTopology.config.layers[0]!.config as Record<string, unknown>)[field] = value;
    await rewrite(dir, json);
    expect((await refusal(dir)).message).toContain(
      `layer 'lstm' (LSTM).${field}: ${field} = ${value} is not supported`,
    );
  });

  it('frozen layers', async () => {
    const { dir, json } = await saved();
    (json.modelTopology.config.layers[0]!.config as Record<string, unknown>).trainable = false;
    await rewrite(dir, json);
    expect((await refusal(dir)).message).toContain("layer 'hidden' (Dense).trainable");
  });

  it('a weight the topology does not have, and a missing one', async () => {
    const { dir, json } = await saved();
    json.weightsManifest[0]!.weights[3]!.name = 'ghost/bias';
    await rewrite(dir, json);
    expect((await refusal(dir)).message).toContain("weight 'out/bias' is missing");
  });

  it('a shared layer (two inbound nodes)', async () => {
    const x = tfl.input({ shape: [3], name: 'x' });
    const d = tfl.layers.dense({ units: 3, name: 'shared' });
    const y = d.apply(d.apply(x)) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: x, outputs: y });
    const dir = temp.folder();
    await saveTfjs(model, dir);
    expect((await refusal(dir)).message).toContain(
      'layers applied more than once (shared layers) are not supported',
    );
  });

  it('models nested more than 8 deep', async () => {
    const { dir, json } = await saved();
    let topology: unknown = json.modelTopology;
    for (let i = 0; i < 10; i++)
      topology = { class_name: 'Sequential', config: { name: `s${i}`, layers: [topology] } };
    await rewrite(dir, { ...json, modelTopology: topology });
    expect((await refusal(dir)).message).toContain('models are nested more than 8 deep');
  });

  it('with build, a weight whose input-dependent dimension contradicts the topology', async () => {
    const { dir, json } = await saved();
    // 5 inputs instead of 3: the config alone cannot tell; the built Dense needs a [5, 4] kernel.
    (json.modelTopology.config.layers[0]!.config as Record<string, unknown>).batch_input_shape = [null, 5];
    await rewrite(dir, json);
    expect(Object.keys((await importTfjsModel(dir)).weights)).toHaveLength(4);
    const e = await importTfjsModel(dir, { build: buildFunctional }).catch((error: unknown) => error);
    expect(e).toBeInstanceOf(ReptileError);
    expect((e as Error).message).toContain(
      "weight 'hidden/kernel' has shape [3,4], the built layer needs [5,4]",
    );
  });

  it('a graph model', async () => {
    const { dir, json } = await saved();
    json.format = 'graph-model';
    await rewrite(dir, json);
    expect((await refusal(dir)).message).toContain('is not a LayersModel');
  });
});
