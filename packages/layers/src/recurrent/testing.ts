import { execFileSync } from 'node:child_process';
import { Tensor } from '@reptile/core';
import type { LayerWeights } from '../layer.ts';
import type { KerasRecurrentWeights, TorchRecurrentWeights } from './gates.ts';

/**
 * Test oracles shared by the normalization, embedding and recurrent tests: the originating
 * frameworks (PyTorch, the ONNX reference evaluator) run in python3 on JSON, and float64 central
 * differences check gradients. Test-only; nothing in the layers imports this file.
 */
export function runPython(script: string, input: unknown): unknown {
  const out = execFileSync('python3', ['-c', script], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out);
}

/** ∂f/∂x by central differences in float64 (step h, truncation error O(h²)). */
export function numericGrad(f: (x: Float64Array) => number, x: ArrayLike<number>, h = 1e-6): number[] {
  const at = Float64Array.from(x);
  return Array.from(at, (v, i) => {
    at[i] = v + h;
    const up = f(at);
    at[i] = v - h;
    const down = f(at);
    at[i] = v;
    return (up - down) / (2 * h);
  });
}

/** Deterministic pseudo-random values in [−scale, scale) (tests need data, not statistics). */
export function testValues(n: number, seed: number, scale = 1): number[] {
  let s = seed >>> 0 || 1;
  return Array.from({ length: n }, () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return ((s / 2 ** 32) * 2 - 1) * scale;
  });
}

/** Largest |a − b| over two equally long arrays (fails loudly on a length mismatch). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const TORCH_RNN = `
import sys, json, torch
torch.set_default_dtype(torch.float64)
def run(d):
    B, T, F = d['shape']; u = d['units']; g = 4 if d['cell'] == 'lstm' else 3
    x = torch.tensor(d['x']).reshape(B, T, F)
    if d['goBackwards']: x = x.flip(1)
    cls = torch.nn.LSTM if d['cell'] == 'lstm' else torch.nn.GRU
    m = cls(F, u, batch_first=True, bias=d['bias'] is not None)
    with torch.no_grad():
        m.weight_ih_l0.copy_(torch.tensor(d['weightIh']).reshape(g * u, F))
        m.weight_hh_l0.copy_(torch.tensor(d['weightHh']).reshape(g * u, u))
        if d['bias'] is not None:
            m.bias_ih_l0.copy_(torch.tensor(d['bias'][0]))
            m.bias_hh_l0.copy_(torch.tensor(d['bias'][1]))
        y, _ = m(x)
    return {'sequence': y.flatten().tolist(), 'last': y[:, -1].flatten().tolist()}
print(json.dumps([run(d) for d in json.load(sys.stdin)]))
`;

export interface TorchRnnCase {
  readonly cell: 'lstm' | 'gru';
  readonly shape: readonly [number, number, number];
  readonly units: number;
  readonly x: readonly number[];
  /** torch layouts, flattened: weight_ih [G·u, in], weight_hh [G·u, u], [b_ih, b_hh]. */
  readonly weightIh: readonly number[];
  readonly weightHh: readonly number[];
  readonly bias: readonly [readonly number[], readonly number[]] | null;
  /** Feed torch the time-reversed input: Keras' goBackwards outputs in processing order. */
  readonly goBackwards: boolean;
}

/**
 * torch.nn.LSTM / nn.GRU in float64 (batch_first): every step's output and the last one, for
 * each case. One python3 run for all cases: importing torch dominates the cost.
 */
export function torchRnn(cases: readonly TorchRnnCase[]): { sequence: number[]; last: number[] }[] {
  return runPython(TORCH_RNN, cases) as { sequence: number[]; last: number[] }[];
}

export interface TorchCaseWeights {
  readonly x: number[];
  /** The case as torchRnn takes it (goBackwards false; override per test). */
  readonly raw: TorchRnnCase;
  /** The same torch-layout weights as float64 tensors, for the gates.ts converters. */
  readonly torch: TorchRecurrentWeights;
}

/** Random inputs and torch-layout weights for a [batch, time, features] case. */
export function torchCase(
  cell: 'lstm' | 'gru',
  shape: readonly [number, number, number],
  units: number,
  seed: number,
): TorchCaseWeights {
  const g = cell === 'lstm' ? 4 : 3;
  const [, , features] = shape;
  const x = testValues(shape[0] * shape[1] * features, seed);
  const weightIh = testValues(g * units * features, seed + 1, 0.7);
  const weightHh = testValues(g * units * units, seed + 2, 0.7);
  const biasIh = testValues(g * units, seed + 3, 0.5);
  const biasHh = testValues(g * units, seed + 4, 0.5);
  const f64 = (v: number[], s: number[]) => Tensor.fromData(v, s, 'float64');
  return {
    x,
    raw: { cell, shape, units, x, weightIh, weightHh, bias: [biasIh, biasHh], goBackwards: false },
    torch: {
      weightIh: f64(weightIh, [g * units, features]),
      weightHh: f64(weightHh, [g * units, units]),
      biasIh: f64(biasIh, [g * units]),
      biasHh: f64(biasHh, [g * units]),
    },
  };
}

/** Converted weights as the record a layer's `call` takes. */
export function layerWeights(w: KerasRecurrentWeights): LayerWeights {
  return w.bias ? { kernel: w.kernel, recurrentKernel: w.recurrentKernel, bias: w.bias } : { ...w };
}
