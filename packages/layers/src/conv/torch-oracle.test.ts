import { execFileSync } from 'node:child_process';
import { grad, Tensor } from '@reptile/core';
import { describe, expect, it } from 'vitest';
import { INFERENCE } from '../context.ts';
import { Conv2D } from './conv2d.ts';
import { hwioToOihw, nhwcToNchw, oihwToHwio, samePads } from './layout.ts';
import { AvgPool2D, MaxPool2D } from './pool2d.ts';
import { randomArray } from './testing/naive.ts';

/**
 * PyTorch (float64, NCHW/OIHW) as the oracle. torch has no asymmetric 'same', so the padding is
 * fed explicitly with F.pad — which is exactly what a converter must do.
 */
const SCRIPT = `
import json, sys, torch
import torch.nn.functional as F
torch.set_default_dtype(torch.float64)
out = []
for c in json.load(sys.stdin):
    x = torch.tensor(c["x"]).reshape(c["xShape"])
    (t, b), (l, r) = c["pads"]
    if c["op"] == "conv":
        x.requires_grad_(True)
        w = torch.tensor(c["w"]).reshape(c["wShape"]).requires_grad_(True)
        y = F.conv2d(F.pad(x, (l, r, t, b)), w, torch.tensor(c["b"]), stride=c["strides"],
                     dilation=c["dilation"], groups=c["groups"])
        (y * torch.tensor(c["probe"]).reshape(y.shape)).sum().backward()
        out.append({"y": y.detach().flatten().tolist(), "shape": list(y.shape),
                    "gx": x.grad.flatten().tolist(), "gw": w.grad.flatten().tolist()})
    elif c["op"] == "max":
        y = F.max_pool2d(F.pad(x, (l, r, t, b), value=float("-inf")), c["pool"], c["strides"])
        out.append({"y": y.flatten().tolist(), "shape": list(y.shape)})
    else:
        assert t == b and l == r, "torch avg_pool2d pads symmetrically"
        y = F.avg_pool2d(x, c["pool"], c["strides"], padding=(t, l), count_include_pad=False)
        out.append({"y": y.flatten().tolist(), "shape": list(y.shape)})
print(json.dumps(out))
`;

interface TorchResult {
  readonly y: number[];
  readonly shape: number[];
  readonly gx?: number[];
  readonly gw?: number[];
}

function torch(cases: readonly object[]): TorchResult[] {
  const stdout = execFileSync('python3', ['-c', SCRIPT], { input: JSON.stringify(cases), encoding: 'utf8' });
  return JSON.parse(stdout) as TorchResult[];
}

const f64 = (xs: ArrayLike<number>, shape: number[]) => Tensor.fromData(xs, shape, 'float64');

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (Math.abs(actual[i]! - expected[i]!) > tol * (1 + Math.abs(expected[i]!))) {
      expect.fail(`index ${i}: got ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

describe('against PyTorch', () => {
  it('Conv2D output and gradients equal F.conv2d with the kernel transposed to OIHW', () => {
    const configs = [
      {
        x: [2, 7, 6, 4],
        kernel: [3, 3],
        filters: 6,
        strides: [2, 2],
        dilation: [1, 1],
        groups: 2,
        padding: 'same',
      },
      {
        x: [1, 8, 8, 3],
        kernel: [2, 3],
        filters: 3,
        strides: [1, 2],
        dilation: [2, 1],
        groups: 3,
        padding: 'same',
      },
      {
        x: [2, 5, 9, 2],
        kernel: [3, 2],
        filters: 4,
        strides: [1, 3],
        dilation: [1, 2],
        groups: 1,
        padding: 'valid',
      },
      {
        x: [1, 4, 4, 2],
        kernel: [3, 3],
        filters: 2,
        strides: [1, 1],
        dilation: [1, 1],
        groups: 1,
        padding: [
          [2, 0],
          [1, 3],
        ],
      },
    ] as const;
    const runs = configs.map((c, n) => {
      const [batch, h, w, ch] = c.x;
      const pads =
        c.padding === 'same'
          ? samePads([h, w], c.kernel, c.strides, c.dilation)
          : c.padding === 'valid'
            ? [
                [0, 0],
                [0, 0],
              ]
            : c.padding;
      const layer = new Conv2D({
        filters: c.filters,
        kernelSize: c.kernel,
        strides: c.strides,
        dilationRate: c.dilation,
        groups: c.groups,
        padding: c.padding as never,
        dtype: 'float64',
      });
      const x = f64(randomArray(batch * h * w * ch, 100 + n), [...c.x]);
      const kernel = f64(randomArray(c.kernel[0] * c.kernel[1] * (ch / c.groups) * c.filters, 200 + n), [
        ...c.kernel,
        ch / c.groups,
        c.filters,
      ]);
      const bias = f64(randomArray(c.filters, 300 + n), [c.filters]);
      const y = layer.call(x, { kernel, bias }, INFERENCE);
      const probe = f64(randomArray(y.size, 400 + n), [...y.shape]);
      // torch's output is NCHW, so the probe it sees is the NCHW transpose of ours
      const [gx, gk] = grad(y.mul(probe).sum(), [x, kernel]);
      const oracleCase = {
        op: 'conv',
        x: nhwcToNchw(x).toArray(),
        xShape: [batch, ch, h, w],
        w: hwioToOihw(kernel).toArray(),
        wShape: [c.filters, ch / c.groups, ...c.kernel],
        b: bias.toArray(),
        probe: nhwcToNchw(probe).toArray(),
        pads,
        strides: c.strides,
        dilation: c.dilation,
        groups: c.groups,
      };
      return { y, gx: gx!, gk: gk!, oracleCase };
    });
    const results = torch(runs.map((r) => r.oracleCase));
    runs.forEach((run, i) => {
      const t = results[i]!;
      const [n, f, oh, ow] = t.shape as [number, number, number, number];
      expect(run.y.shape).toEqual([n, oh, ow, f]);
      expectClose(nhwcToNchw(run.y).toArray(), t.y);
      expectClose(nhwcToNchw(run.gx).toArray(), t.gx!);
      expectClose(run.gk.toArray(), oihwToHwio(f64(t.gw!, run.oracleCase.wShape)).toArray());
    });
  });

  it('MaxPool2D and AvgPool2D equal F.max_pool2d (−inf pads) and F.avg_pool2d (count_include_pad=False)', () => {
    const cases = [
      { op: 'max', x: [2, 3, 7, 6], pool: [3, 3], strides: [2, 2] },
      { op: 'max', x: [1, 2, 5, 8], pool: [2, 3], strides: [1, 2] },
      { op: 'avg', x: [2, 3, 7, 7], pool: [3, 3], strides: [1, 1] },
      { op: 'avg', x: [1, 2, 5, 9], pool: [3, 5], strides: [2, 1] },
    ] as const;
    const runs = cases.map((c, n) => {
      const [batch, ch, h, w] = c.x;
      const pads = samePads([h, w], c.pool, c.strides);
      const options = {
        poolSize: c.pool,
        strides: c.strides,
        padding: 'same',
        dataFormat: 'channelsFirst',
      } as const;
      const layer = c.op === 'max' ? new MaxPool2D(options) : new AvgPool2D(options);
      const x = f64(randomArray(batch * ch * h * w, 500 + n), [...c.x]);
      return { y: layer.call(x, {}, INFERENCE), oracleCase: { ...c, xShape: c.x, x: x.toArray(), pads } };
    });
    // the avg cases were picked with even SAME totals: torch's avg_pool2d only pads symmetrically
    expect(runs[3]!.oracleCase.pads).toEqual([
      [1, 1],
      [2, 2],
    ]);
    // the max cases have odd totals, so the bottom/right convention is exercised
    expect(runs[0]!.oracleCase.pads).toEqual([
      [1, 1],
      [0, 1],
    ]);
    const results = torch(runs.map((r) => r.oracleCase));
    runs.forEach((run, i) => {
      expect(run.y.shape).toEqual(results[i]!.shape);
      expectClose(run.y.toArray(), results[i]!.y);
    });
  });
});
