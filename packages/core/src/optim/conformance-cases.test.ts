import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DType } from '../dtype.ts';
import { Tensor } from '../tensor/tensor.ts';
import { optimizerFromConfig } from './from-config.ts';
import { settle } from './test-support.ts';
import { simulateZooKeeper } from './zookeeper-sim.ts';

/**
 * Replays the PyTorch/numpy-computed cases in conformance/cases/{optimizers,zookeeper} (format:
 * docs/conformance-cases.md) on the reference backend, with each case's own tolerance.
 */
const ROOT = join(import.meta.dirname, '../../../../conformance/cases');

interface CaseTensor {
  readonly shape: number[];
  readonly data: number[];
  readonly dtype?: DType;
}
interface Case {
  readonly name: string;
  readonly optimizer: unknown;
  readonly workers?: number;
  readonly tolerance: { rtol: number; atol: number };
  readonly params: CaseTensor[];
  readonly grads: unknown[];
  readonly expected: unknown[];
}

function load(kind: string): Case[] {
  let files: string[];
  try {
    files = readdirSync(join(ROOT, kind)).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  return files.sort().map((f) => JSON.parse(readFileSync(join(ROOT, kind, f), 'utf8')) as Case);
}

const toTensor = (t: CaseTensor): Tensor => Tensor.fromData(t.data, t.shape, t.dtype ?? 'float32');

function expectClose(got: Tensor, want: CaseTensor, tol: Case['tolerance'], what: string): void {
  expect(got.shape, what).toEqual(want.shape);
  const values = got.toArray();
  const bad = want.data.findIndex((e, i) => !(Math.abs(values[i]! - e) <= tol.atol + tol.rtol * Math.abs(e)));
  expect(bad === -1 ? 'ok' : `${what}[${bad}]: got ${values[bad]}, expected ${want.data[bad]}`).toBe('ok');
}

describe('conformance cases: optimizers', () => {
  const cases = load('optimizers');
  it('has case files', () => expect(cases.length).toBeGreaterThan(0));
  for (const c of cases) {
    it(c.name, () => {
      const opt = optimizerFromConfig(c.optimizer);
      let params = c.params.map(toTensor);
      let state = opt.init(params);
      (c.grads as CaseTensor[][]).forEach((gs, i) => {
        const out = opt.step(params, gs.map(toTensor), state);
        ({ params, state } = settle(out.params, out.state));
        (c.expected[i] as CaseTensor[]).forEach((want, j) => {
          expectClose(params[j]!, want, c.tolerance, `step ${i} param ${j}`);
        });
      });
    });
  }
});

describe('conformance cases: zookeeper', () => {
  const cases = load('zookeeper');
  it('has case files', () => expect(cases.length).toBeGreaterThan(0));
  for (const c of cases) {
    it(c.name, () => {
      const sim = simulateZooKeeper(c.optimizer, c.workers!);
      const start = c.params.map(toTensor);
      let replicas = Array.from({ length: c.workers! }, () => start);
      let state = sim.init(start);
      (c.grads as CaseTensor[][][]).forEach((perWorker, i) => {
        const out = sim.step(
          replicas,
          perWorker.map((gs) => gs.map(toTensor)),
          state,
        );
        const settled = settle(out.replicas.flat(), out.state);
        replicas = out.replicas.map((_, k) => settled.params.slice(k * start.length, (k + 1) * start.length));
        state = settled.state;
        (c.expected[i] as CaseTensor[][]).forEach((worker, k) => {
          worker.forEach((want, j) => {
            expectClose(replicas[k]![j]!, want, c.tolerance, `step ${i} worker ${k} param ${j}`);
          });
        });
      });
    });
  }
});
