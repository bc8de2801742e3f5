import { describe, expect, it } from 'vitest';
import { zookeeperConfig } from './core.ts';
import { twoRankStub } from './testing/two-rank-stub.ts';
import { consensusBuffers, syncProposals } from './zookeeper-host.ts';

const lists = (vs: readonly ArrayLike<number>[]) => vs.map((v) => Array.from(v));

describe('syncProposals', () => {
  it('communicates nothing off a sync step', () => {
    const stub = twoRankStub(() => [0, 0]);
    const zk = zookeeperConfig({ name: 'zookeeper', syncEvery: 2 });
    const r = syncProposals(zk, stub, 0, [Float32Array.of(1)], [Float32Array.of(2)]);
    expect(r).toEqual({ params: [Float32Array.of(1)], nonTrainable: [Float32Array.of(2)], synced: false });
    expect(stub.calls).toEqual([]);
  });

  it('with β = 0 keeps the proposals but still replaces the statistics by their mean', () => {
    const stub = twoRankStub(() => [9, 10]);
    const r = syncProposals(
      zookeeperConfig({ name: 'zookeeper', beta: 0 }),
      stub,
      0,
      [Float64Array.of(1)],
      [Float64Array.of(2)],
    );
    expect(lists(r.params)).toEqual([[1]]);
    expect(lists(r.nonTrainable)).toEqual([[6]]);
    expect(stub.calls).toEqual(['allreduceMean Float64Array(2)']);
  });

  it('blends x̃ + β(x̄ − x̃) in each array’s own dtype', () => {
    // x̄ = (0.1 + 0.3) / 2; float64: 0.1 + 0.5·(x̄ − 0.1); float32 rounds after every operation.
    const stub = twoRankStub((_, mine) => (mine instanceof Float64Array ? [0.3] : [Math.fround(0.3)]));
    const zk = zookeeperConfig({ name: 'zookeeper', beta: 0.5 });
    const r = syncProposals(zk, stub, 0, [Float64Array.of(0.1), Float32Array.of(0.1)]);
    const f = Math.fround;
    const mean32 = f((f(0.1) + f(0.3)) / 2);
    expect(r.params[0]).toEqual(Float64Array.of(0.1 + 0.5 * ((0.1 + 0.3) / 2 - 0.1)));
    expect(r.params[1]).toEqual(Float32Array.of(f(f(0.1) + f(0.5 * f(mean32 - f(0.1))))));
  });

  it('consensus is the rank mean of params and statistics in one allreduce', () => {
    const stub = twoRankStub(() => [3, 5]);
    const c = consensusBuffers(stub, [Float32Array.of(1)], [Float32Array.of(7)]);
    expect(lists(c.params)).toEqual([[2]]);
    expect(lists(c.nonTrainable)).toEqual([[6]]);
    expect(stub.calls).toEqual(['allreduceMean Float32Array(2)']);
  });
});
