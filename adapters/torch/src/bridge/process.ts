import { type ChildProcess, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { ReptileError } from '../core.ts';
import { type Blob, encodeFrame, type Frame, FrameReader } from './protocol.ts';

/** What the worker reports when it starts. */
export interface WorkerInfo {
  readonly protocol: number;
  readonly pid: number;
  readonly python: string;
  readonly executable: string;
  readonly torch: string;
  readonly threads: number;
}

export const WORKER_SCRIPT = fileURLToPath(new URL('../../python/reptile_worker.py', import.meta.url));
export const TORCH_REQUIREMENT = 'torch==2.13.0';
const STDERR_KEEP = 16 * 1024;

/** Every live worker process, killed synchronously if this Node process exits. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  live.add(child);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
}

interface Streams {
  ref?(): void;
  unref?(): void;
}

/**
 * One spawned Python worker: frames out on stdin, frames in on stdout, stderr kept (its tail) for
 * error messages. One request is in flight at a time; TorchWorker queues. The process and its
 * pipes are unref'd while idle, so an idle worker never keeps Node alive; when Node exits the
 * worker sees stdin close (and on Linux gets SIGKILL from PR_SET_PDEATHSIG) and exits too.
 */
export class WorkerProcess {
  readonly hello: Promise<WorkerInfo>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;
  private stderrText = '';
  private waiting: ((frame: Frame) => void) | undefined;
  private failWaiting: ((err: Error) => void) | undefined;
  private dead: Error | undefined;

  constructor(
    readonly python: string,
    env: Readonly<Record<string, string>> = {},
  ) {
    this.child = spawn(python, ['-u', WORKER_SCRIPT], {
      stdio: ['pipe', 'pipe', 'pipe'],
      // its own process group: Ctrl-C reaches Node, which decides; the worker goes when Node does
      detached: true,
      // no __pycache__ written next to the package's Python files
      env: { ...process.env, ...env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
    });
    track(this.child);
    const reader = new FrameReader((frame) => {
      const resolve = this.waiting;
      this.waiting = undefined;
      this.failWaiting = undefined;
      resolve?.(frame);
    });
    this.child.stdout!.on('data', (chunk: Buffer) => reader.push(chunk));
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.stderrText = (this.stderrText + chunk.toString('utf8')).slice(-STDERR_KEEP);
    });
    this.child.stdin!.on('error', () => {}); // EPIPE after a crash surfaces through 'exit'
    this.exited = new Promise((resolve) => {
      this.child.on('error', (err: NodeJS.ErrnoException) => {
        this.markDead(spawnError(python, err));
        resolve({ code: null, signal: null });
      });
      this.child.on('exit', (code, signal) => {
        live.delete(this.child);
        // stdout/stderr may still hold the last bytes; wait for them before reporting
        const settle = () => {
          this.markDead(
            new ReptileError(
              `the PyTorch worker exited (${signal ? `signal ${signal}` : `code ${code}`})${this.stderrSuffix()}`,
              {
                where: 'torch bridge',
                hint: 'the next call starts a new worker; tensors held in this one are lost',
              },
            ),
          );
          resolve({ code, signal });
        };
        // a grandchild could hold the pipes open; do not wait for them forever
        const closed = (r: Readable) =>
          r.closed ? Promise.resolve() : new Promise((ok) => r.once('close', ok));
        const late = new Promise((ok) => setTimeout(ok, 1000).unref());
        void Promise.race([Promise.all([closed(this.child.stdout!), closed(this.child.stderr!)]), late]).then(
          settle,
        );
      });
    });
    this.hello = this.receive().then((frame) => {
      const h = frame.header as {
        ok?: boolean;
        result?: WorkerInfo;
        error?: { type: string; message: string };
      };
      if (h.ok && h.result) return h.result;
      if (h.error?.type === 'MissingTorch') {
        throw new ReptileError(`PyTorch is not installed for ${python} (${h.error.message})`, {
          where: 'torch bridge',
          hint: `install it with: ${python} -m pip install ${TORCH_REQUIREMENT} (or set REPTILE_PYTHON to a Python that has torch)`,
        });
      }
      if (h.error?.type === 'BrokenTorch') {
        throw new ReptileError(
          `PyTorch is installed for ${python} but failed to import (${h.error.message})`,
          {
            where: 'torch bridge',
            hint: `reinstall it with: ${python} -m pip install --force-reinstall ${TORCH_REQUIREMENT}`,
          },
        );
      }
      throw new ReptileError(`the PyTorch worker failed to start: ${h.error?.message ?? 'no hello'}`, {
        where: 'torch bridge',
      });
    });
    this.hello.catch(() => {});
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.dead === undefined;
  }

  /** The last lines the worker wrote to stderr. */
  get stderr(): string {
    return this.stderrText;
  }

  /** Sends one request and resolves with the worker's answering frame. */
  request(header: Record<string, unknown>, blobs: readonly Blob[]): Promise<Frame> {
    if (this.dead) return Promise.reject(this.dead);
    const answer = this.receive();
    for (const chunk of encodeFrame(header, blobs)) this.child.stdin!.write(chunk);
    return answer;
  }

  /** Keeps Node alive while a request is in flight; lets it exit while idle. */
  setActive(active: boolean): void {
    const items = [
      this.child,
      this.child.stdin,
      this.child.stdout,
      this.child.stderr,
    ] as unknown as Streams[];
    for (const s of items) {
      if (active) s.ref?.();
      else s.unref?.();
    }
  }

  /** Kills the process; it counts as dead at once (pending and later requests fail with `reason`). */
  kill(reason?: Error): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    if (reason) this.markDead(reason);
  }

  /** Closes stdin (the worker exits on EOF) and waits; kills it after `graceMs`. */
  async shutdown(graceMs = 5000): Promise<void> {
    this.child.stdin!.end();
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  private receive(): Promise<Frame> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failWaiting = reject;
    });
  }

  private markDead(err: Error): void {
    if (this.dead) return;
    this.dead = err;
    const reject = this.failWaiting;
    this.waiting = undefined;
    this.failWaiting = undefined;
    reject?.(err);
  }

  private stderrSuffix(): string {
    const tail = this.stderrText.trim();
    return tail ? `; its stderr ends with:\n${tail.split('\n').slice(-20).join('\n')}` : '';
  }
}

function spawnError(python: string, err: NodeJS.ErrnoException): ReptileError {
  if (err.code === 'ENOENT') {
    return new ReptileError(`cannot start the PyTorch worker: '${python}' was not found`, {
      where: 'torch bridge',
      hint: `install Python 3.9+ and PyTorch (python3 -m pip install ${TORCH_REQUIREMENT}), or set REPTILE_PYTHON to a Python that has torch`,
    });
  }
  return new ReptileError(`cannot start the PyTorch worker with '${python}': ${err.message}`, {
    where: 'torch bridge',
  });
}
