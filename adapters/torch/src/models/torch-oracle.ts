import { expect } from 'vitest';
import { runPython } from '../testing/harness.ts';

/** One tensor as Python sees it. */
export interface PyTensor {
  readonly shape: number[];
  readonly values: number[];
}

export interface LoadedModel {
  /** forward's outputs for each run (always a list, one per model output). */
  readonly runs: PyTensor[][];
  /** `named_parameters()` in order, with requires_grad. */
  readonly parameters: (PyTensor & { name: string; requiresGrad: boolean; dtype: string })[];
  /** `state_dict()` keys in order. */
  readonly stateDict: string[];
  /** d(sum(output_0 * cotangent))/d(parameter) on the first run's inputs, when a cotangent was given. */
  readonly grads: number[][];
  /** The embedded record, read back with `_extra_files`. */
  readonly extra: string;
}

const SCRIPT = `
import json, sys, warnings
warnings.simplefilter('ignore')
import torch
req = json.load(sys.stdin)
extra = {'reptile_model.json': ''}
m = torch.jit.load(req['path'], _extra_files=extra)
DT = {'float32': torch.float32, 'float64': torch.float64, 'int32': torch.int32, 'bool': torch.bool}
def run(inputs):
    xs = [torch.tensor(x['values'], dtype=DT[x['dtype']]).reshape(x['shape']) for x in inputs]
    with torch.no_grad():
        out = m(*xs)
    return list(out) if isinstance(out, tuple) else [out]
runs = [run(inputs) for inputs in req['runs']]
xs = [torch.tensor(x['values'], dtype=DT[x['dtype']]).reshape(x['shape']) for x in req['runs'][0]]
grads = []
if req.get('cotangent') is not None:
    # fine-tuning: autograd through the loaded module into its parameters
    o = m(*xs)
    o = o[0] if isinstance(o, tuple) else o
    (o * torch.tensor(req['cotangent'], dtype=o.dtype).reshape(o.shape)).sum().backward()
    grads = [p.grad.double().flatten().tolist() for _, p in m.named_parameters()]
def t(v): return {'shape': list(v.shape), 'values': v.detach().double().flatten().tolist()}
print(json.dumps({
  'runs': [[t(o) for o in outs] for outs in runs],
  'parameters': [dict(t(p), name=n, requiresGrad=p.requires_grad, dtype=str(p.dtype)) for n, p in m.named_parameters()],
  'stateDict': list(m.state_dict().keys()),
  'grads': grads,
  'extra': extra['reptile_model.json'].decode() if isinstance(extra['reptile_model.json'], bytes) else extra['reptile_model.json'],
}))
`;

export interface PyInput {
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly values: ArrayLike<number>;
}

/**
 * Loads a `.pt` file in stock PyTorch (`torch.jit.load`), runs `module(*inputs)` for each run
 * and reports what it sees. One Python process per call: torch's import dominates the time.
 */
export function loadInTorch(
  path: string,
  runs: readonly (readonly PyInput[])[],
  cotangent?: ArrayLike<number>,
): LoadedModel {
  const request = {
    path,
    runs: runs.map((inputs) => inputs.map((x) => ({ ...x, values: Array.from(x.values) }))),
    cotangent: cotangent ? Array.from(cotangent) : null,
  };
  return JSON.parse(runPython(SCRIPT, JSON.stringify(request))) as LoadedModel;
}

/** Deterministic values in [-1, 1). */
export function uniformData(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
