import { afterAll, describe, expect, it } from 'vitest';
import { testWorker } from '../../../../adapters/torch/src/testing/harness.ts';
import { materialize, optimizerFromConfig, singleRankCollective, Tensor } from '../core.ts';
import { twoRankStub } from '../testing/two-rank-stub.ts';
import { TorchZooKeeperRank } from './zookeeper-torch.ts';

/** One PyTorch worker for the file; without python3 + torch its start fails with the install command. */
const worker = testWorker();
afterAll(() => worker.close());

const SPECS = [
  { name: 'w', shape: [2] },
  { name: 'b', shape: [] },
];
const f32 = (...v: number[]) => Float32Array.from(v);
const lists = (vs: readonly ArrayLike<number>[]) => vs.map((v) => Array.from(v));

describe('TorchZooKeeperRank', () => {
  it('with one rank is exactly core’s SGD (heavy-ball) with the same learning rate, to float32 rounding', async () => {
    const zk = await TorchZooKeeperRank.create(
      worker,
      { name: 'zookeeper', lr: 0.1, momentum: 0.9 },
      singleRankCollective(),
      SPECS,
    );
    const sgd = optimizerFromConfig({ name: 'sgd', lr: 0.1, momentum: 0.9 });
    await zk.start([f32(1, -2), f32(0.5)]);
    const start = [Tensor.fromData(f32(1, -2), [2]), Tensor.fromData(f32(0.5), [])];
    let ref = { params: start, state: sgd.init(start) };
    for (const g of [
      [0.25, -0.125, 2],
      [-1, 0.5, 0.5],
      [0.0625, 0.0625, -0.0625],
    ]) {
      const grads = [f32(g[0]!, g[1]!), f32(g[2]!)];
      await zk.step(grads);
      const s = sgd.step(
        ref.params,
        [Tensor.fromData(grads[0]!, [2]), Tensor.fromData(grads[1]!, [])],
        ref.state,
      );
      ref = { params: materialize(s.params), state: s.state };
      const wants = lists(ref.params.map((p) => p.data())).flat();
      lists(await zk.values())
        .flat()
        .forEach((v, i) => {
          expect(Math.abs(v - wants[i]!)).toBeLessThanOrEqual(
            2 * 2 ** -23 * Math.max(1, Math.abs(wants[i]!)),
          );
        });
    }
    expect(zk.stepCount).toBe(3);
    await zk.dispose();
  });

  it('broadcasts once, then fuses params and non-trainable state into one allreduce per sync step and blends by β', async () => {
    // The peer's proposal and stats are fixed: x̃_peer = [3, 5 | 7], stats_peer = [10].
    const stub = twoRankStub(() => [3, 5, 7, 10]);
    const zk = await TorchZooKeeperRank.create(
      worker,
      { name: 'zookeeper', lr: 0.5, beta: 0.25, syncEvery: 2 },
      stub,
      SPECS,
    );
    expect(lists(await zk.start([f32(1, 1), f32(1)], [f32(2)]))).toEqual([[2]]);
    expect(stub.calls).toEqual(['broadcast Float32Array(4) from 0']);
    // Step 0 (no sync): x ← x − α·g = [1, 1 | 1] − 0.5·[2, −2 | 0] = [0, 2 | 1]; stats stay local.
    const s0 = await zk.step([f32(2, -2), f32(0)], [f32(4)]);
    expect(s0.synced).toBe(false);
    expect(lists(await zk.values())).toEqual([[0, 2], [1]]);
    expect(lists(s0.nonTrainable)).toEqual([[4]]);
    // Step 1 (sync): x̃ = [0, 1 | 0]; x̄ = ([0, 1 | 0] + [3, 5 | 7]) / 2 = [1.5, 3 | 3.5];
    // x ← x̃ + β(x̄ − x̃) = [0.375, 1.5 | 0.875], written back into the worker; stats ← 8.
    const s1 = await zk.step([f32(0, 2), f32(2)], [f32(6)]);
    expect(s1.synced).toBe(true);
    expect(lists(await zk.values())).toEqual([[0.375, 1.5], [0.875]]);
    expect(lists(s1.nonTrainable)).toEqual([[8]]);
    expect(stub.calls).toEqual(['broadcast Float32Array(4) from 0', 'allreduceMean Float32Array(4)']);
    // Consensus: the rank mean of params and stats, one more allreduce.
    const c = await zk.consensus([f32(8)]);
    expect(lists(c.params)).toEqual([[1.6875, 3.25], [3.9375]]);
    expect(lists(c.nonTrainable)).toEqual([[9]]);
    expect(stub.calls).toHaveLength(3);
    await zk.dispose();
  }, 30_000);
});
