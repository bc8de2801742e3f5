import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTorchScriptArchive } from '../archive/archive.ts';
import { trace } from '../core.ts';
import { lowerGraph } from '../lower/lower.ts';
import { runPython, testWorker } from '../testing/harness.ts';
import type { WireTensor } from './protocol.ts';
import { TorchWorker } from './worker.ts';

const worker = testWorker();
afterAll(() => worker.close());

const f32 = (data: number[], shape = [data.length]): WireTensor => ({
  dtype: 'float32',
  shape,
  data: new Float32Array(data),
});
const doubler = writeTorchScriptArchive(
  lowerGraph(trace([{ name: 'x', shape: [3], dtype: 'float32' }], (x) => [x.mul(2)])),
);

describe('framing and tensors', () => {
  it('answers ping and reports its versions', async () => {
    const info = await worker.info();
    expect(info.torch).toMatch(/^2\./);
    expect(info.protocol).toBe(1);
    expect(await worker.ping()).toBeGreaterThan(0);
  });

  it('moves every dtype bit-exactly, including NaN, -0, extremes, 0-dim and empty tensors', async () => {
    const sent: WireTensor[] = [
      f32([Number.NaN, -0, 3.4028234663852886e38, 1e-45, Number.NEGATIVE_INFINITY]),
      { dtype: 'float64', shape: [2, 2], data: new Float64Array([Math.PI, -0, 5e-324, Number.MAX_VALUE]) },
      { dtype: 'int32', shape: [3], data: new Int32Array([-2147483648, 2147483647, 0]) },
      { dtype: 'bool', shape: [5], data: new Uint8Array([1, 0, 0, 1, 1]) },
      { dtype: 'float64', shape: [], data: new Float64Array([0.1]) },
      { dtype: 'float32', shape: [0, 4], data: new Float32Array(0) },
    ];
    const back = await worker.echo(sent);
    back.forEach((t, i) => {
      expect(t.dtype).toBe(sent[i]!.dtype);
      expect(t.shape).toEqual(sent[i]!.shape);
      expect(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)).toEqual(
        new Uint8Array(sent[i]!.data.buffer, sent[i]!.data.byteOffset, sent[i]!.data.byteLength),
      );
    });
  });

  it('works without numpy too (tensors are then copied into one buffer)', async () => {
    const w = new TorchWorker({ env: { REPTILE_NO_NUMPY: '1' } });
    const sent: WireTensor[] = [
      f32([1.5, -2, 3]),
      { dtype: 'bool', shape: [2], data: new Uint8Array([1, 0]) },
    ];
    const back = await w.echo(sent);
    expect(Array.from(back[0]!.data)).toEqual([1.5, -2, 3]);
    expect(Array.from(back[1]!.data)).toEqual([1, 0]);
    await w.close();
  });

  it('queues concurrent callers and gives each its own answer', async () => {
    const calls = Array.from({ length: 25 }, (_, k) => worker.echo([f32([k, k + 0.5])]));
    const results = await Promise.all([...calls, worker.ping(), worker.ping()]);
    for (let k = 0; k < 25; k++)
      expect(Array.from((results[k] as WireTensor[])[0]!.data)).toEqual([k, k + 0.5]);
  });
});

describe('held tensors and artifacts', () => {
  it('holds tensors between calls and runs an artifact on them', async () => {
    await worker.load('double', doubler);
    await worker.put({ v: f32([1, 2, 3]) });
    await worker.run('double', [{ held: 'v' }], { store: ['v'], return: [false] });
    const [again] = await worker.run('double', [{ held: 'v' }], { store: ['v'] });
    expect(Array.from(again!.data)).toEqual([4, 8, 12]);
    expect(Array.from((await worker.get(['v']))[0]!.data)).toEqual([4, 8, 12]);
    await worker.drop(['v']);
    await expect(worker.get(['v'])).rejects.toThrow(/no tensor named 'v' is held/);
  });

  it('refuses wrong input counts, dtypes and shapes without storing anything', async () => {
    await worker.put({ keep: f32([7, 7, 7]) });
    await expect(worker.run('double', [])).rejects.toThrow(/takes 1 inputs, got 0/);
    await expect(
      worker.run('double', [{ dtype: 'int32', shape: [3], data: new Int32Array(3) }], { store: ['keep'] }),
    ).rejects.toThrow(/input 'x' must be float32\[3\], got int32\[3\]/);
    await expect(worker.run('double', [f32([1, 2])], { store: ['keep'] })).rejects.toThrow(
      /got float32\[2\]/,
    );
    expect(Array.from((await worker.get(['keep']))[0]!.data)).toEqual([7, 7, 7]);
    await expect(worker.run('missing', [])).rejects.toThrow(/no artifact named 'missing'/);
  });

  it('refuses a corrupt archive and one not written by Reptile, with the reason', async () => {
    const corrupt = doubler.slice();
    corrupt.fill(0x41, 30, 400);
    await expect(worker.load('corrupt', corrupt)).rejects.toThrow(
      /torch.jit.load could not read artifact 'corrupt'/,
    );
    await expect(worker.load('junk', new TextEncoder().encode('not a zip'))).rejects.toThrow(
      /could not read/,
    );
    const dir = mkdtempSync(join(tmpdir(), 'reptile-foreign-'));
    const path = join(dir, 'foreign.pt');
    runPython(
      `import torch\ntorch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), ${JSON.stringify(path)})`,
    );
    const { readFileSync } = await import('node:fs');
    await expect(worker.load('foreign', readFileSync(path))).rejects.toThrow(
      /no extra\/reptile.json signature/,
    );
    expect(await worker.ping()).toBeGreaterThan(0); // and the worker keeps serving
  });
});

describe('failures', () => {
  // these run on the shared worker, which each of them kills; the next test gets a fresh one
  it('a crash fails the pending call with the worker stderr; the next call gets a new worker', async () => {
    const w = worker;
    const restarts = w.restartCount;
    await w.load('double', doubler);
    await w.put({ held: f32([1, 1, 1]) });
    const before = (await w.info()).pid;
    await expect(w.call('_test.crash', { message: 'segfault-like failure', code: 11 }, [])).rejects.toThrow(
      /exited \(code 11\)[\s\S]*segfault-like failure/,
    );
    const after = (await w.info()).pid;
    expect(after).not.toBe(before);
    expect(w.restartCount).toBe(restarts + 1);
    // artifacts are reloaded, held tensors are reported lost rather than silently missing
    expect(Array.from((await w.run('double', [f32([1, 2, 3])]))[0]!.data)).toEqual([2, 4, 6]);
    await expect(w.get(['held'])).rejects.toThrow(/'held' is no longer held: the worker holding it crashed/);
  });

  it('a hung call times out within its timeout, is killed, and the next call works', async () => {
    const w = worker;
    await w.info();
    const t0 = performance.now();
    await expect(w.call('_test.sleep', { seconds: 30 }, [], { timeoutMs: 400 })).rejects.toThrow(
      /'_test.sleep' timed out after 400 ms; the worker was killed/,
    );
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(await w.ping()).toBeGreaterThan(0);
  });

  it('a worker killed from outside fails the pending call', async () => {
    const { pid } = await worker.info();
    const pending = worker.call('_test.sleep', { seconds: 30 }, []);
    setTimeout(() => process.kill(pid, 'SIGKILL'), 200);
    await expect(pending).rejects.toThrow(/exited \(signal SIGKILL\)/);
  });

  it('names the install command when python3 is missing', async () => {
    const w = new TorchWorker({ python: '/nonexistent/python3' });
    await expect(w.ping()).rejects.toThrow(
      /'\/nonexistent\/python3' was not found[\s\S]*python3 -m pip install torch==2\.13\.0/,
    );
    w.kill();
  });

  it('names the install command when torch is missing', async () => {
    // a module named torch that fails to import stands in for an environment without PyTorch
    const dir = mkdtempSync(join(tmpdir(), 'reptile-notorch-'));
    mkdirSync(join(dir, 'torch'));
    writeFileSync(
      join(dir, 'torch', '__init__.py'),
      'raise ModuleNotFoundError("No module named \'torch\'", name="torch")\n',
    );
    const w = new TorchWorker({ env: { PYTHONPATH: dir } });
    await expect(w.ping()).rejects.toThrow(
      /PyTorch is not installed for python3[\s\S]*python3 -m pip install torch==2\.13\.0/,
    );
    w.kill();
  });

  it('says when torch is installed but broken, and how to reinstall it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reptile-brokentorch-'));
    mkdirSync(join(dir, 'torch'));
    writeFileSync(join(dir, 'torch', '__init__.py'), 'import numpy_missing_dependency\n');
    const w = new TorchWorker({ env: { PYTHONPATH: dir } });
    await expect(w.ping()).rejects.toThrow(
      /installed for python3 but failed to import[\s\S]*--force-reinstall torch==2\.13\.0/,
    );
    w.kill();
  });
});

describe.concurrent('no orphaned workers', () => {
  const fixture = fileURLToPath(new URL('./fixtures/orphan-child.ts', import.meta.url));
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const gone = async (pid: number, ms = 8000) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (!alive(pid)) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  };
  function start(mode: string): Promise<{ child: ChildProcess; node: number; worker: number }> {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, mode], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    return new Promise((resolve, reject) => {
      let text = '';
      child.stdout!.on('data', (d: Buffer) => {
        text += d.toString();
        if (text.includes('\n')) resolve({ child, ...JSON.parse(text.split('\n')[0]!) });
      });
      child.on('exit', (code) => {
        if (!text.includes('\n')) reject(new Error(`fixture exited early (${code})`));
      });
    });
  }

  it.each([
    ['the program ends with work left undone (idle worker)', 'idle', undefined],
    ['process.exit()', 'exit', undefined],
    ['SIGINT during a long call', 'busy', 'SIGINT'],
    ['SIGKILL of the Node process', 'wait', 'SIGKILL'],
  ] as const)('%s', async (_label, mode, signal) => {
    const { child, worker: pid } = await start(mode);
    expect(alive(pid)).toBe(true);
    if (signal) child.kill(signal);
    const exited = new Promise((r) => child.on('exit', r));
    await exited;
    expect(await gone(pid)).toBe(true);
  });
});
