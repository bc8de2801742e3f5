import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ReptileError } from '@reptile/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportTfjsModel } from './export.ts';
import { importTfjsModel } from './import.ts';
import { buildFunctional, maxAbsDiff, reptilePredict, tempRoot, values } from './testing.ts';

/**
 * tfjs-layers cannot build a GRU with reset_after=true, but Keras (2.3+ default) can, and the
 * tfjs converter writes it with a [2, 3u] bias (input and recurrent biases). Such a model.json
 * is written here by hand and checked against PyTorch's GRU, which is the reset-after form:
 * n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)). Keras gate order z, r, h is torch's r, z, n.
 */
const SCRIPT = `
import json, sys, torch
c = json.load(sys.stdin)
u, d, T, B = c["units"], c["in"], c["steps"], c["batch"]
k = torch.tensor(c["kernel"], dtype=torch.float64).reshape(d, 3 * u)
rk = torch.tensor(c["recurrent"], dtype=torch.float64).reshape(u, 3 * u)
b = torch.tensor(c["bias"], dtype=torch.float64).reshape(2, 3 * u)
reorder = lambda m: torch.cat([m[..., u:2*u], m[..., :u], m[..., 2*u:]], dim=-1)  # z,r,h -> r,z,n
gru = torch.nn.GRU(d, u, batch_first=True, dtype=torch.float64)
with torch.no_grad():
    gru.weight_ih_l0.copy_(reorder(k).T)
    gru.weight_hh_l0.copy_(reorder(rk).T)
    gru.bias_ih_l0.copy_(reorder(b[0]))
    gru.bias_hh_l0.copy_(reorder(b[1]))
x = torch.tensor(c["x"], dtype=torch.float64).reshape(B, T, d)
y, _ = gru(x)
print(json.dumps(y[:, -1, :].flatten().tolist()))
`;

const UNITS = 3;
const IN = 2;
const STEPS = 4;
const BATCH = 2;

let temp: Awaited<ReturnType<typeof tempRoot>>;
beforeAll(async () => {
  temp = await tempRoot();
});
afterAll(async () => {
  await temp.cleanup();
});

async function kerasGruFolder(
  kernel: Float32Array,
  recurrent: Float32Array,
  bias: Float32Array,
): Promise<string> {
  const dir = temp.folder();
  await mkdir(dir);
  await writeFile(
    join(dir, 'group1-shard1of1.bin'),
    Buffer.concat([kernel, recurrent, bias].map((a) => Buffer.from(a.buffer))),
  );
  const gru = {
    name: 'gru',
    trainable: true,
    dtype: 'float32',
    batch_input_shape: [null, STEPS, IN],
    units: UNITS,
    activation: 'tanh',
    recurrent_activation: 'sigmoid',
    use_bias: true,
    kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
    recurrent_initializer: { class_name: 'Orthogonal', config: { gain: 1, seed: null } },
    bias_initializer: { class_name: 'Zeros', config: {} },
    kernel_regularizer: null,
    recurrent_regularizer: null,
    bias_regularizer: null,
    activity_regularizer: null,
    kernel_constraint: null,
    recurrent_constraint: null,
    bias_constraint: null,
    dropout: 0,
    recurrent_dropout: 0,
    implementation: 2,
    return_sequences: false,
    return_state: false,
    go_backwards: false,
    stateful: false,
    unroll: false,
    time_major: false,
    reset_after: true,
  };
  const json = {
    format: 'layers-model',
    generatedBy: 'keras v2.13.1',
    convertedBy: 'TensorFlow.js Converter v4.22.0',
    modelTopology: {
      keras_version: '2.13.1',
      backend: 'tensorflow',
      model_config: {
        class_name: 'Sequential',
        config: { name: 'seq', layers: [{ class_name: 'GRU', config: gru }] },
      },
    },
    weightsManifest: [
      {
        paths: ['group1-shard1of1.bin'],
        weights: [
          { name: 'gru/gru_cell/kernel', shape: [IN, 3 * UNITS], dtype: 'float32' },
          { name: 'gru/gru_cell/recurrent_kernel', shape: [UNITS, 3 * UNITS], dtype: 'float32' },
          { name: 'gru/gru_cell/bias', shape: [2, 3 * UNITS], dtype: 'float32' },
        ],
      },
    ],
  };
  await writeFile(join(dir, 'model.json'), JSON.stringify(json));
  return dir;
}

describe('a Keras GRU with reset_after=true (bias [2, 3u])', () => {
  it('imports and matches PyTorch, and export to tfjs is refused (tfjs has no reset_after=true)', async () => {
    const kernel = values(IN * 3 * UNITS, 1);
    const recurrent = values(UNITS * 3 * UNITS, 2);
    const bias = values(2 * 3 * UNITS, 3);
    const x = values(BATCH * STEPS * IN, 4);
    const imported = await importTfjsModel(await kerasGruFolder(kernel, recurrent, bias));
    expect((imported.config.layers as { config: { resetAfter: boolean } }[])[0]!.config.resetAfter).toBe(
      true,
    );
    const model = buildFunctional(imported.config);
    const got = reptilePredict(model, imported.weights, {
      gru_input: { data: x, shape: [BATCH, STEPS, IN] },
    });
    const payload = {
      units: UNITS,
      in: IN,
      steps: STEPS,
      batch: BATCH,
      kernel: [...kernel],
      recurrent: [...recurrent],
      bias: [...bias],
      x: [...x],
    };
    const expected = JSON.parse(
      execFileSync('python3', ['-c', SCRIPT], { input: JSON.stringify(payload) }).toString(),
    ) as number[];
    expect(got.length).toBe(BATCH * UNITS);
    expect(maxAbsDiff(got, expected)).toBeLessThan(1e-5);

    const refused = await exportTfjsModel(temp.folder(), model.getConfig(), imported.weights).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(ReptileError);
    expect((refused as Error).message).toContain("layer 'gru' (GRU).resetAfter");
  });
});
