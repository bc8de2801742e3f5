import { afterAll, describe, expect, it } from 'vitest';
import { createTorchAdapter, createTorchOptimPeerAdapter } from '../../../conformance/src/adapters/torch.ts';
import { loadCases } from '../../../conformance/src/load.ts';
import { runCase } from '../../../conformance/src/runner.ts';
import { testWorker } from './testing/harness.ts';

/**
 * The `torch` and `torch.optim` columns of the conformance matrix. `torch`: every case must
 * pass. `torch.optim`: every PyTorch-named case must pass (real torch.optim / F.* / lr_scheduler
 * agree with the oracle within the case tolerance); the rest must be skips that say why.
 */
const cases = loadCases([new URL('../../../conformance/cases', import.meta.url).pathname]);
const worker = testWorker();
afterAll(() => worker.close());

describe('conformance', () => {
  it('column torch passes every case', async () => {
    expect(cases.length).toBeGreaterThan(100);
    const adapter = createTorchAdapter(worker);
    const failures: string[] = [];
    for (const c of cases) {
      const r = await runCase(adapter, c);
      if (r.status !== 'pass') failures.push(`${c.name}: ${r.status} ${r.reason ?? ''}`);
    }
    expect(failures).toEqual([]);
  });

  it('column torch.optim passes every PyTorch-named case and skips the rest with a reason', async () => {
    const adapter = createTorchOptimPeerAdapter(worker);
    const failures: string[] = [];
    const ran: string[] = [];
    for (const c of cases) {
      const r = await runCase(adapter, c);
      if (r.status === 'fail') failures.push(`${c.name}: ${r.reason ?? ''}`);
      else if (r.status === 'pass') ran.push(c.name);
      else expect(r.reason).toMatch(/namesake|Keras|PyTorch|scheduler|torch/);
    }
    expect(failures).toEqual([]);
    // every torch-named optimizer family and loss is exercised
    for (const family of [
      'sgd-',
      'adam-',
      'adamw-',
      'rmsprop-',
      'adagrad-',
      'mse-',
      'mae-',
      'huber-',
      'bce-',
      'nll-',
      'cross-entropy-',
      'kl-log-',
      'step-',
      'one-cycle-',
    ]) {
      expect(ran.some((n) => n.startsWith(family))).toBe(true);
    }
  });
});
