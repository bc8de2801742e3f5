import { describe, expect, it } from 'vitest';
import { materialize, optimizerFromConfig, singleRankCollective, Tensor } from './core.ts';
import { twoRankStub } from './testing/two-rank-stub.ts';
import { zookeeperRank } from './zookeeper-rank.ts';

const f64 = (v: number[]) => Tensor.fromData(Float64Array.from(v), [v.length], 'float64');
const values = (ts: readonly Tensor[]) => materialize(ts).map((t) => Array.from(t.data()));

describe('zookeeperRank', () => {
  it('with one rank is exactly SGD, and communicates nothing but copies', () => {
    const zk = zookeeperRank({ name: 'zookeeper', lr: 0.1, momentum: 0.9 }, singleRankCollective());
    const sgd = optimizerFromConfig({ name: 'sgd', lr: 0.1, momentum: 0.9 });
    let { params, state } = zk.start([f64([1, -2]), f64([0.5])]);
    let ref = { params: [f64([1, -2]), f64([0.5])], state: sgd.init(params) };
    for (const g of [
      [0.3, -0.1, 2],
      [-1, 0.25, 0.5],
      [0.1, 0.1, -0.1],
    ]) {
      const grads = [f64(g.slice(0, 2)), f64(g.slice(2))];
      const r = zk.step(params, grads, state);
      const s = sgd.step(ref.params, grads, ref.state);
      expect(values(r.params)).toEqual(values(s.params));
      ({ params, state } = r);
      ref = s;
    }
  });

  it('fuses params and non-trainable state into one allreduce per sync step, and blends by β', () => {
    // Peer proposal and stats are fixed: x̃_peer = [3, 5], stats_peer = [10].
    const stub = twoRankStub(() => [3, 5, 10]);
    const zk = zookeeperRank({ name: 'zookeeper', lr: 0.5, beta: 0.25, syncEvery: 2 }, stub);
    const start = zk.start([f64([1, 1])], [f64([2])]);
    expect(stub.calls).toEqual(['broadcast Float64Array(3) from 0']);
    // Step 0 (no sync): x ← x − α·g = [1, 1] − 0.5·[2, −2] = [0, 2]; stats stay local.
    const s0 = zk.step(start.params, [f64([2, -2])], start.state, [f64([4])]);
    expect(s0.synced).toBe(false);
    expect(values(s0.params)).toEqual([[0, 2]]);
    expect(values(s0.nonTrainable)).toEqual([[4]]);
    // Step 1 (sync): x̃ = [0, 2] − 0.5·[0, 2] = [0, 1]; x̄ = ([0, 1] + [3, 5]) / 2 = [1.5, 3];
    // x ← x̃ + β(x̄ − x̃) = [0.375, 1.5]; stats ← (6 + 10) / 2 = 8.
    const s1 = zk.step(s0.params, [f64([0, 2])], s0.state, [f64([6])]);
    expect(s1.synced).toBe(true);
    expect(values(s1.params)).toEqual([[0.375, 1.5]]);
    expect(values(s1.nonTrainable)).toEqual([[8]]);
    expect(stub.calls).toEqual(['broadcast Float64Array(3) from 0', 'allreduceMean Float64Array(3)']);
    expect(s1.state.step).toBe(2);
  });

  it('averages each dtype in its own buffer, so float32 means are rounded once', () => {
    const stub = twoRankStub((_, mine) => Array.from(mine, (v) => v + 1));
    const zk = zookeeperRank({ name: 'zookeeper', lr: 1 }, stub);
    const p32 = Tensor.fromData([0.1], [1], 'float32');
    const { params, state } = zk.start([p32, f64([1])]);
    const r = zk.step(params, [Tensor.fromData([0], [1], 'float32'), f64([0])], state);
    expect(stub.calls.slice(-2)).toEqual(['allreduceMean Float32Array(1)', 'allreduceMean Float64Array(1)']);
    expect(r.params.map((t) => t.dtype)).toEqual(['float32', 'float64']);
    expect(values(r.params)).toEqual([[Math.fround(Math.fround(0.1) + 0.5)], [1.5]]);
  });

  it('consensus is the rank mean of params and non-trainable state', () => {
    const stub = twoRankStub(() => [4, 0]);
    const zk = zookeeperRank({ name: 'zookeeper' }, stub);
    const c = zk.consensus([f64([2])], [f64([6])]);
    expect(values(c.params)).toEqual([[3]]);
    expect(values(c.nonTrainable)).toEqual([[3]]);
  });

  it('refuses integer state, which cannot be averaged', () => {
    const zk = zookeeperRank({ name: 'zookeeper' }, singleRankCollective());
    expect(() => zk.consensus([f64([1])], [Tensor.fromData([1], [1], 'int32')])).toThrow(
      'zookeeper rank: tensor 1 is int32; only float32/float64 state can be averaged',
    );
  });
});
