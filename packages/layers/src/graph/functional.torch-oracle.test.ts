import { execFileSync } from 'node:child_process';
import { grad, Tensor } from '@reptile/core';
import { describe, expect, it } from 'vitest';
import { INFERENCE } from '../context.ts';
import { Dense } from '../dense.ts';
import { Functional } from './functional.ts';
import { Add, Concatenate } from './merge.ts';

/**
 * PyTorch (float64 autograd) computes the same DAG from the same weights: Dense kernels are
 * [in, out] as in Keras, so torch multiplies x @ K directly here (no transpose needed).
 */
const SCRIPT = `
import json, sys, torch
torch.set_default_dtype(torch.float64)
c = json.load(sys.stdin)
w = [torch.tensor(v, dtype=torch.float64).reshape(s).requires_grad_(True) for v, s in zip(c["w"], c["shapes"])]
a = torch.tensor(c["a"]).reshape(-1, 3)
b = torch.tensor(c["b"]).reshape(-1, 2)
d1 = torch.tanh(a @ w[0] + w[1])
s = d1 + a
cat = torch.cat([s, b], dim=-1)
out = torch.sigmoid(cat @ w[2] + w[3])
loss = (out * torch.tensor(c["p1"]).reshape(out.shape)).sum() + (s * torch.tensor(c["p2"]).reshape(s.shape)).sum()
loss.backward()
print(json.dumps({"out": out.detach().flatten().tolist(), "s": s.detach().flatten().tolist(),
                  "grads": [t.grad.flatten().tolist() for t in w]}))
`;

const f64 = (xs: number[], shape: number[]) => Tensor.fromData(xs, shape, 'float64');

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (Math.abs(actual[i]! - expected[i]!) > tol * (1 + Math.abs(expected[i]!)))
      expect.fail(`index ${i}: got ${actual[i]}, expected ${expected[i]}`);
  }
}

describe('Functional vs PyTorch', () => {
  it('matches a two-input residual + concatenate graph, forward and weight gradients', () => {
    const model = new Functional();
    const a = model.input('a', [3], 'float64');
    const b = model.input('b', [2], 'float64');
    const d1 = model.add(
      new Dense({ units: 3, activation: 'tanh', dtype: 'float64', biasInitializer: 'ones' }),
      a,
    );
    const s = model.add(new Add({ name: 's' }), [d1, a]);
    const c = model.add(new Concatenate(), [s, b]);
    model
      .output(model.add(new Dense({ units: 2, activation: 'sigmoid', dtype: 'float64', name: 'out' }), c))
      .output(s);
    const weights = model.initWeights(17);
    const batch = 4;
    const av = Array.from({ length: batch * 3 }, (_, i) => Math.sin(i + 0.5));
    const bv = Array.from({ length: batch * 2 }, (_, i) => Math.cos(2 * i));
    const p1 = Array.from({ length: batch * 2 }, (_, i) => (i % 3) - 1.25);
    const p2 = Array.from({ length: batch * 3 }, (_, i) => 0.5 - (i % 4) / 3);
    const stdout = execFileSync('python3', ['-c', SCRIPT], {
      input: JSON.stringify({
        w: weights.map((t) => t.toArray()),
        shapes: weights.map((t) => t.shape),
        a: av,
        b: bv,
        p1,
        p2,
      }),
      encoding: 'utf8',
    });
    const want = JSON.parse(stdout) as { out: number[]; s: number[]; grads: number[][] };

    const inputs = { a: f64(av, [batch, 3]), b: f64(bv, [batch, 2]) };
    const loss = (ws: readonly Tensor[]) => {
      const y = model.applyNamed(ws, inputs, INFERENCE);
      return y
        .out!.mul(f64(p1, [batch, 2]))
        .sum()
        .add(y.s!.mul(f64(p2, [batch, 3])).sum());
    };
    const y = model.applyNamed(weights, inputs, INFERENCE);
    expectClose(y.out!.toArray(), want.out);
    expectClose(y.s!.toArray(), want.s);
    const grads = grad(loss(weights), weights);
    expect(grads.length).toBe(4);
    grads.forEach((g, k) => {
      expectClose(g.toArray(), want.grads[k]!);
    });
  }, 60_000);
});
