import { describe, expect, it } from 'vitest';
import { Tensor } from '../tensor/tensor.ts';
import { optimizerFromConfig } from './from-config.ts';

/**
 * Two steps of every optimizer worked out by hand from the PyTorch algorithm boxes (or the
 * paper for Lion/LAMB), in float64 so only the arithmetic written here is being checked.
 * Gradients are given directly (g1, then g2), not derived from a loss.
 */
function twoSteps(config: Record<string, unknown>, p0: number[], g1: number[], g2: number[]): number[][] {
  const opt = optimizerFromConfig(config);
  const t = (v: number[]) => Tensor.fromData(v, [v.length], 'float64');
  const s1 = opt.step([t(p0)], [t(g1)], opt.init([t(p0)]));
  const s2 = opt.step(s1.params, [t(g2)], s1.state);
  return [s1.params[0]!.toArray(), s2.params[0]!.toArray()];
}

function expectNear(got: number[], want: number[], digits = 13): void {
  expect(got.length).toBe(want.length);
  got.forEach((v, i) => {
    expect(v).toBeCloseTo(want[i]!, digits);
  });
}

describe('sgd (torch.optim.SGD)', () => {
  it('plain, with coupled weight decay 0.1: g′ = g + 0.1·p', () => {
    // p1 = 1 − 0.1·(0.5 + 0.1·1) = 0.94; p2 = 0.94 − 0.1·(0.25 + 0.1·0.94) = 0.94 − 0.0344 = 0.9056
    const [p1, p2] = twoSteps({ name: 'sgd', lr: 0.1, weightDecay: 0.1 }, [1], [0.5], [0.25]);
    expectNear(p1!, [0.94]);
    expectNear(p2!, [0.9056]);
  });
  it('momentum 0.9: the buffer starts as g1', () => {
    // b1 = 0.5, p1 = 1 − 0.05 = 0.95; b2 = 0.9·0.5 + 0.25 = 0.7, p2 = 0.95 − 0.07 = 0.88
    const [p1, p2] = twoSteps({ name: 'sgd', lr: 0.1, momentum: 0.9 }, [1], [0.5], [0.25]);
    expectNear(p1!, [0.95]);
    expectNear(p2!, [0.88]);
  });
  it('dampening 0.5 is skipped on the first step', () => {
    // b1 = 0.5 (undamped), p1 = 0.95; b2 = 0.45 + 0.5·0.25 = 0.575, p2 = 0.95 − 0.0575 = 0.8925
    const [p1, p2] = twoSteps({ name: 'sgd', lr: 0.1, momentum: 0.9, dampening: 0.5 }, [1], [0.5], [0.25]);
    expectNear(p1!, [0.95]);
    expectNear(p2!, [0.8925]);
  });
  it('nesterov: d = g + μ·b', () => {
    // b1 = 0.5, d1 = 0.5 + 0.45 = 0.95, p1 = 0.905; b2 = 0.7, d2 = 0.25 + 0.63 = 0.88, p2 = 0.817
    const [p1, p2] = twoSteps({ name: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true }, [1], [0.5], [0.25]);
    expectNear(p1!, [0.905]);
    expectNear(p2!, [0.817]);
  });
});

describe('adam (torch.optim.Adam)', () => {
  // β1 0.9, β2 0.999, eps 1e-8, lr 0.1, p0 1, g 0.5 then 0.25:
  // m1 = 0.05, v1 = 0.00025, bc1 = 0.1, bc2 = 0.001 → denom = sqrt(0.00025)/sqrt(0.001) + eps = 0.5 + eps,
  // step_size = 0.1/0.1 = 1 → p1 = 1 − 0.05/(0.5 + 1e-8)
  // m2 = 0.045 + 0.025 = 0.07, v2 = 0.999·0.00025 + 0.001·0.0625 = 0.00031225,
  // bc1 = 1 − 0.81 = 0.19, bc2 = 1 − 0.998001 = 0.001999 → p2 = p1 − (0.1/0.19)·0.07/(sqrt(v2)/sqrt(bc2) + eps)
  const p1 = 1 - 0.05 / (0.5 + 1e-8);
  const p2 = p1 - ((0.1 / 0.19) * 0.07) / (Math.sqrt(0.00031225) / Math.sqrt(0.001999) + 1e-8);
  it('pytorch epsilon: denom = sqrt(v)/sqrt(bc2) + eps, step = lr/bc1', () => {
    const [a, b] = twoSteps({ name: 'adam', lr: 0.1 }, [1], [0.5], [0.25]);
    expectNear(a!, [p1]);
    expectNear(b!, [p2]);
  });
  it('keras epsilon (eps 0.1 so the placement matters): lr·sqrt(bc2)/bc1 · m/(sqrt(v)+eps)', () => {
    const k1 = 1 - ((0.1 * Math.sqrt(0.001)) / 0.1) * (0.05 / (Math.sqrt(0.00025) + 0.1));
    const k2 = k1 - ((0.1 * Math.sqrt(0.001999)) / 0.19) * (0.07 / (Math.sqrt(0.00031225) + 0.1));
    const [a, b] = twoSteps({ name: 'adam', lr: 0.1, eps: 0.1, epsilonStyle: 'keras' }, [1], [0.5], [0.25]);
    expectNear(a!, [k1]);
    expectNear(b!, [k2]);
    // pytorch style with the same eps: 1 − 0.05/(0.5 + 0.1) — clearly different
    expect(Math.abs(a![0]! - (1 - 0.05 / 0.6))).toBeGreaterThan(1e-3);
  });
  it('coupled weight decay 0.5 changes g1 to 0.5 + 0.5·1 = 1', () => {
    // m1 = 0.1, v1 = 0.001 → denom = 1 + eps, p1 = 1 − 0.1/(1 + 1e-8)
    const [a] = twoSteps({ name: 'adam', lr: 0.1, weightDecay: 0.5 }, [1], [0.5], [0.25]);
    expectNear(a!, [1 - 0.1 / (1 + 1e-8)]);
  });
  it('amsgrad keeps the max of the raw v (β1 = β2 = 0.5, g 1 then 0)', () => {
    // m1 = 0.5, v1 = 0.5 = vmax, bc1 = bc2 = 0.5 → p1 = 1 − (0.1/0.5)·0.5/(1 + eps)
    // m2 = 0.25, v2 = 0.25, vmax = 0.5, bc1 = bc2 = 0.75 → p2 = p1 − (0.1/0.75)·0.25/(sqrt(0.5)/sqrt(0.75) + eps)
    const q1 = 1 - (0.2 * 0.5) / (1 + 1e-8);
    const q2 = q1 - ((0.1 / 0.75) * 0.25) / (Math.sqrt(0.5) / Math.sqrt(0.75) + 1e-8);
    const [a, b] = twoSteps({ name: 'adam', lr: 0.1, beta1: 0.5, beta2: 0.5, amsgrad: true }, [1], [1], [0]);
    expectNear(a!, [q1]);
    expectNear(b!, [q2]);
  });
});

describe('adamw (torch.optim.AdamW)', () => {
  it('decays p by (1 − lr·wd) first, then the Adam step of the raw gradient', () => {
    // lr 0.1, wd 0.5: factor 0.95. Adam moments as in the adam test above.
    const p1 = 0.95 - 0.05 / (0.5 + 1e-8);
    const p2 = p1 * 0.95 - ((0.1 / 0.19) * 0.07) / (Math.sqrt(0.00031225) / Math.sqrt(0.001999) + 1e-8);
    const [a, b] = twoSteps({ name: 'adamw', lr: 0.1, weightDecay: 0.5 }, [1], [0.5], [0.25]);
    expectNear(a!, [p1]);
    expectNear(b!, [p2]);
  });
});

describe('rmsprop (torch.optim.RMSprop)', () => {
  // α 0.99, lr 0.01, g 0.5 then 0.25: v1 = 0.01·0.25 = 0.0025 (sqrt 0.05), v2 = 0.002475 + 0.000625 = 0.0031
  it('plain: p −= lr·g/(sqrt(v) + eps)', () => {
    const p1 = 1 - (0.01 * 0.5) / (0.05 + 1e-8);
    const p2 = p1 - (0.01 * 0.25) / (Math.sqrt(0.0031) + 1e-8);
    const [a, b] = twoSteps({ name: 'rmsprop' }, [1], [0.5], [0.25]);
    expectNear(a!, [p1]);
    expectNear(b!, [p2]);
  });
  it('centered (α 0.9): v − mg² under the sqrt', () => {
    // v1 = 0.025, mg1 = 0.05 → 0.025 − 0.0025 = 0.0225 (sqrt 0.15)
    // v2 = 0.0225 + 0.00625 = 0.02875, mg2 = 0.045 + 0.025 = 0.07 → 0.02875 − 0.0049 = 0.02385
    const p1 = 1 - (0.01 * 0.5) / (0.15 + 1e-8);
    const p2 = p1 - (0.01 * 0.25) / (Math.sqrt(0.02385) + 1e-8);
    const [a, b] = twoSteps({ name: 'rmsprop', alpha: 0.9, centered: true }, [1], [0.5], [0.25]);
    expectNear(a!, [p1]);
    expectNear(b!, [p2]);
  });
  it('momentum 0.9: b = μ·b + g/(sqrt(v)+eps), p −= lr·b', () => {
    const b1 = 0.5 / (0.05 + 1e-8);
    const b2 = 0.9 * b1 + 0.25 / (Math.sqrt(0.0031) + 1e-8);
    const [a, b] = twoSteps({ name: 'rmsprop', momentum: 0.9 }, [1], [0.5], [0.25]);
    expectNear(a!, [1 - 0.01 * b1]);
    expectNear(b!, [1 - 0.01 * b1 - 0.01 * b2]);
  });
  it('keras (tfjs) with momentum and a halving lr: b = μ·b + lr_t·g/sqrt(v + eps), p −= b', () => {
    // lr_0 = 0.01, lr_1 = 0.005 (step schedule); eps 1e-4 inside the sqrt
    const b1 = (0.01 * 0.5) / Math.sqrt(0.0025 + 1e-4);
    const b2 = 0.9 * b1 + (0.005 * 0.25) / Math.sqrt(0.0031 + 1e-4);
    const config = {
      name: 'rmsprop',
      lr: { name: 'step', initial: 0.01, stepSize: 1, gamma: 0.5 },
      eps: 1e-4,
      momentum: 0.9,
      epsilonStyle: 'keras',
    };
    const [a, b] = twoSteps(config, [1], [0.5], [0.25]);
    expectNear(a!, [1 - b1]);
    expectNear(b!, [1 - b1 - b2]);
  });
});

describe('adagrad (torch.optim.Adagrad)', () => {
  it('lrDecay 0.5, initial accumulator 0.5: clr = lr/(1 + (t−1)·lrDecay)', () => {
    // s1 = 0.5 + 0.25 = 0.75, clr = 0.1 → p1 = 1 − 0.1·0.5/(sqrt(0.75) + 1e-10)
    // s2 = 0.75 + 1 = 1.75, clr = 0.1/1.5 → p2 = p1 − (0.1/1.5)·1/(sqrt(1.75) + 1e-10)
    const p1 = 1 - (0.1 * 0.5) / (Math.sqrt(0.75) + 1e-10);
    const p2 = p1 - 0.1 / 1.5 / (Math.sqrt(1.75) + 1e-10);
    const config = { name: 'adagrad', lr: 0.1, lrDecay: 0.5, initialAccumulatorValue: 0.5 };
    const [a, b] = twoSteps(config, [1], [0.5], [1]);
    expectNear(a!, [p1]);
    expectNear(b!, [p2]);
  });
});

describe('lion (Chen et al. 2023)', () => {
  it('sign of β1-interpolation, momentum with β2, decoupled decay on the old p', () => {
    // lr 0.1, wd 0.5, p0 = [1, −2], g1 = [0.5, −0.5], g2 = [−1, 1]
    // c1 = 0.1·g1 → sign [1, −1]; p1 = p0 − 0.1·(sign + 0.5·p0) = [1 − 0.15, −2 + 0.2] = [0.85, −1.8]
    // m1 = 0.01·g1 = [0.005, −0.005]; c2 = 0.9·m1 + 0.1·g2 = [−0.0955, 0.0955] → sign [−1, 1]
    // p2 = [0.85 − 0.1·(−1 + 0.425), −1.8 − 0.1·(1 − 0.9)] = [0.9075, −1.81]
    const [a, b] = twoSteps({ name: 'lion', lr: 0.1, weightDecay: 0.5 }, [1, -2], [0.5, -0.5], [-1, 1]);
    expectNear(a!, [0.85, -1.8]);
    expectNear(b!, [0.9075, -1.81]);
  });
});

describe('lamb (You et al. 2020)', () => {
  it('trust ratio ‖p‖/‖r‖ per tensor, with bias-corrected Adam direction', () => {
    // p0 = [3, 4] (‖p‖ = 5), g1 = [1, 1]: m̂ = g, v̂ = g² → r = [a, a], a = 1/(1 + 1e-6)
    // trust = 5/(a·√2) → p1 = p0 − 0.1·5/√2·[1, 1]
    const s = (0.1 * 5) / Math.SQRT2;
    const p1 = [3 - s, 4 - s];
    // g2 = [1, −1]: m = 0.09 + 0.1·g2 = [0.19, −0.01], v = 0.001999·[1, 1]; bc1 = 0.19, bc2 = 0.001999
    // m̂ = [1, −1/19], sqrt(v̂) = 1 → r = m̂/(1 + 1e-6); trust = ‖p1‖/‖r‖
    const r = [1 / (1 + 1e-6), -1 / 19 / (1 + 1e-6)];
    const trust = Math.hypot(p1[0]!, p1[1]!) / Math.hypot(r[0]!, r[1]!);
    const p2 = p1.map((v, i) => v - 0.1 * trust * r[i]!);
    const [a, b] = twoSteps({ name: 'lamb', lr: 0.1 }, [3, 4], [1, 1], [1, -1]);
    expectNear(a!, p1, 12);
    expectNear(b!, p2, 12);
  });
  it('trust ratio is 1 for an all-zero param, and wd·p joins r', () => {
    // p0 = [0, 0] → ‖p‖ = 0 → trust 1: p1 = −0.1·r1 = −0.1·[a, −a], a = 1/(1 + 1e-6)
    // step 2 with wd 0.5: r2 = m̂/(sqrt(v̂) + eps) + 0.5·p1
    const a1 = 1 / (1 + 1e-6);
    const p1 = [-0.1 * a1, 0.1 * a1];
    const [a, b] = twoSteps({ name: 'lamb', lr: 0.1, weightDecay: 0.5 }, [0, 0], [1, -1], [1, 1]);
    expectNear(a!, p1, 12);
    // m2 = [0.09 + 0.1, −0.09 + 0.1] = [0.19, 0.01] → m̂ = [1, 1/19]
    const r2 = [1 / (1 + 1e-6) + 0.5 * p1[0]!, 1 / 19 / (1 + 1e-6) + 0.5 * p1[1]!];
    const trust2 = Math.hypot(p1[0]!, p1[1]!) / Math.hypot(r2[0]!, r2[1]!);
    expectNear(b!, [p1[0]! - 0.1 * trust2 * r2[0]!, p1[1]! - 0.1 * trust2 * r2[1]!], 12);
  });
});
