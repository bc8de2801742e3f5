import { afterAll, describe, expect, it } from 'vitest';
import { ops, optimizerFromConfig, realize, Tensor } from '../core.ts';
import { difference, testWorker } from '../testing/harness.ts';
import { realizeAsync, settleAsync, TorchBackend } from './torch-backend.ts';

const worker = testWorker();
afterAll(() => worker.close());

describe('TorchBackend (async)', () => {
  it('evaluates a lazy program and agrees with the reference backend', async () => {
    const backend = new TorchBackend(worker);
    const x = Tensor.fromData([1, -2, 3, 0.5, Number.NaN, -0], [2, 3]);
    const y = ops.softmax(x.mul(2), -1).sum(0).add(x.max(0).cast('float32'));
    const [got] = await backend.run([y.node]);
    expect(difference(got!, realize([y.mul(1)])[0]!)).toBeUndefined();
  });

  it('compiles each graph structure once; new data reuses the module (large constants are arguments)', async () => {
    const backend = new TorchBackend(worker);
    const program = (seed: number) => {
      const w = Tensor.fromData(
        Array.from({ length: 100 }, (_, i) => Math.sin(i + seed)),
        [100],
      );
      return w.mul(w).sum();
    };
    const a = await realizeAsync([program(1)], backend);
    const b = await realizeAsync([program(2)], backend);
    expect(backend.compiledCount).toBe(1);
    const exact = (seed: number) =>
      Array.from({ length: 100 }, (_, i) => Math.fround(Math.sin(i + seed)) ** 2);
    expect(a[0]![0]).toBe(Math.fround(exact(1).reduce((s, v) => s + Math.fround(v), 0)));
    expect(b[0]![0]).toBe(Math.fround(exact(2).reduce((s, v) => s + Math.fround(v), 0)));
  });

  it('runs core eager code on torch: three Adam steps settled after each, equal to the reference', async () => {
    const backend = new TorchBackend(worker);
    const opt = optimizerFromConfig({ name: 'adam', lr: 0.05 });
    const init = [Tensor.fromData([0.3, -1.2, 2], [3]), Tensor.fromData([1, 2, 3, 4], [2, 2], 'float64')];
    const grads = (s: number) => [
      Tensor.fromData([0.1 * s, -0.3, 1], [3]),
      Tensor.fromData([s, -s, 0.5, 2], [2, 2], 'float64'),
    ];
    let onTorch = { params: init, state: opt.init(init) };
    let onReference = { params: init, state: opt.init(init) };
    for (let s = 1; s <= 3; s++) {
      onTorch = await settleAsync(opt.step(onTorch.params, grads(s), onTorch.state), backend);
      onReference = opt.step(onReference.params, grads(s), onReference.state);
    }
    const want = realize(onReference.params);
    onTorch.params.forEach((p, i) => {
      expect(p.node.op.kind).toBe('constant');
      expect(difference(p.data(), want[i]!)).toBeUndefined();
    });
  });

  it('binds placeholders', async () => {
    const backend = new TorchBackend(worker);
    const x = Tensor.placeholder('x', [2], 'int32');
    const y = x.mul(3).div(2);
    const [got] = await backend.run([y.node], new Map([[x.node, new Int32Array([5, -5])]]));
    expect(Array.from(got!)).toEqual([7, -7]);
  });
});
