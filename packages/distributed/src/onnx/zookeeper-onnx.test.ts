import { afterAll, describe, expect, it } from 'vitest';
import { materialize, optimizerFromConfig, singleRankCollective, Tensor } from '../core.ts';
import { twoRankStub } from '../testing/two-rank-stub.ts';
import { OnnxZooKeeperRank } from './zookeeper-onnx.ts';

const SPECS = [
  { name: 'w', shape: [2] },
  { name: 'b', shape: [] },
];
const f32 = (...v: number[]) => Float32Array.from(v);
const lists = (vs: readonly ArrayLike<number>[]) => vs.map((v) => Array.from(v));
const opened: OnnxZooKeeperRank[] = [];
const open = (...args: ConstructorParameters<typeof OnnxZooKeeperRank>) => {
  const zk = new OnnxZooKeeperRank(...args);
  opened.push(zk);
  return zk;
};
afterAll(() => {
  for (const zk of opened) zk.release();
});

describe('OnnxZooKeeperRank', () => {
  it('with one rank is core’s SGD (heavy-ball) with the same learning rate, to float32 rounding', () => {
    const zk = open({ name: 'zookeeper', lr: 0.1, momentum: 0.9 }, singleRankCollective(), SPECS);
    const sgd = optimizerFromConfig({ name: 'sgd', lr: 0.1, momentum: 0.9 });
    let { params, state } = zk.start([f32(1, -2), f32(0.5)]);
    const start = [Tensor.fromData(f32(1, -2), [2]), Tensor.fromData(f32(0.5), [])];
    let ref = { params: start, state: sgd.init(start) };
    for (const g of [
      [0.25, -0.125, 2],
      [-1, 0.5, 0.5],
      [0.0625, 0.0625, -0.0625],
    ]) {
      const grads = [f32(g[0]!, g[1]!), f32(g[2]!)];
      const r = zk.step(params, grads, state);
      const s = sgd.step(
        ref.params,
        [Tensor.fromData(grads[0]!, [2]), Tensor.fromData(grads[1]!, [])],
        ref.state,
      );
      ref = { params: materialize(s.params), state: s.state };
      const wants = lists(ref.params.map((p) => p.data())).flat();
      // onnxruntime and the reference backend may round a fused multiply-add differently: 2 ulps.
      lists(r.params)
        .flat()
        .forEach((v, i) => {
          const want = wants[i]!;
          expect(Math.abs(v - want)).toBeLessThanOrEqual(2 * 2 ** -23 * Math.max(1, Math.abs(want)));
        });
      ({ params, state } = r);
    }
  });

  it('broadcasts once, then fuses params and non-trainable state into one allreduce per sync step and blends by β', () => {
    // The peer's proposal and stats are fixed: x̃_peer = [3, 5 | 7], stats_peer = [10].
    const stub = twoRankStub(() => [3, 5, 7, 10]);
    const zk = open({ name: 'zookeeper', lr: 0.5, beta: 0.25, syncEvery: 2 }, stub, SPECS);
    const start = zk.start([f32(1, 1), f32(1)], [f32(2)]);
    expect(stub.calls).toEqual(['broadcast Float32Array(4) from 0']);
    // Step 0 (no sync): x ← x − α·g = [1, 1 | 1] − 0.5·[2, −2 | 0] = [0, 2 | 1]; stats stay local.
    const s0 = zk.step(start.params, [f32(2, -2), f32(0)], start.state, [f32(4)]);
    expect(s0.synced).toBe(false);
    expect(lists(s0.params)).toEqual([[0, 2], [1]]);
    expect(lists(s0.nonTrainable)).toEqual([[4]]);
    // Step 1 (sync): x̃ = [0, 2 | 1] − 0.5·[0, 2 | 2] = [0, 1 | 0]; x̄ = ([0, 1 | 0] + [3, 5 | 7]) / 2
    // = [1.5, 3 | 3.5]; x ← x̃ + β(x̄ − x̃) = [0.375, 1.5 | 0.875]; stats ← (6 + 10) / 2 = 8.
    const s1 = zk.step(s0.params, [f32(0, 2), f32(2)], s0.state, [f32(6)]);
    expect(s1.synced).toBe(true);
    expect(lists(s1.params)).toEqual([[0.375, 1.5], [0.875]]);
    expect(lists(s1.nonTrainable)).toEqual([[8]]);
    expect(stub.calls).toEqual(['broadcast Float32Array(4) from 0', 'allreduceMean Float32Array(4)']);
    expect(s1.state.step).toBe(2);
  });

  it('consensus is the rank mean of params and non-trainable state, in one allreduce', () => {
    const stub = twoRankStub(() => [4, 0, 2, 10]);
    const zk = open({ name: 'zookeeper' }, stub, SPECS);
    const c = zk.consensus([f32(2, 2), f32(1)], [f32(6)]);
    expect(lists(c.params)).toEqual([[3, 1], [1.5]]);
    expect(lists(c.nonTrainable)).toEqual([[8]]);
    expect(stub.calls).toEqual(['allreduceMean Float32Array(4)']);
  });

  it('refuses a config that is not ZooKeeper, naming the field', () => {
    expect(
      () => new OnnxZooKeeperRank({ name: 'zookeeper', beta: 2 }, singleRankCollective(), SPECS),
    ).toThrow(/beta/);
  });
});
