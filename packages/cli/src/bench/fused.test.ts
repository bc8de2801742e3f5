import { describe, expect, it } from 'vitest';
import { adamBuffers, fusedAdamStep, fusedSgdStep, sgdBuffers } from './fused.ts';

describe('fused peer loops', () => {
  it('Adam: first step moves by lr·g/(|g|+eps); second step matches the torch formula by hand', () => {
    const h = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
    const p = [new Float32Array([1])];
    const g = [new Float32Array([2])];
    const s = adamBuffers(p);
    fusedAdamStep(h, p, g, s);
    expect(p[0]![0]).toBeCloseTo(0.9, 6);
    fusedAdamStep(h, p, [new Float32Array([1])], s);
    // m = 0.9·0.2 + 0.1 = 0.28, v = 0.999·0.004 + 0.001 = 0.004996; bc1 = 0.19, bc2 = 0.001999
    const expected = 0.9 - (0.1 / 0.19) * (0.28 / (Math.sqrt(0.004996) / Math.sqrt(0.001999) + 1e-8));
    expect(p[0]![0]).toBeCloseTo(expected, 6);
  });

  it('SGD momentum: the buffer starts as the first gradient (torch)', () => {
    const h = { lr: 0.1, momentum: 0.9 };
    const p = [new Float32Array([1])];
    const s = sgdBuffers(p);
    fusedSgdStep(h, p, [new Float32Array([1])], s); // buf 1 → p 0.9
    fusedSgdStep(h, p, [new Float32Array([1])], s); // buf 1.9 → p 0.71
    expect(p[0]![0]).toBeCloseTo(0.71, 6);
  });
});
