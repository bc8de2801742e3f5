import { ReptileError } from '../core.ts';
import type { ModuleSignature } from '../lower/module.ts';
import { type WorkerInfo, WorkerProcess } from './process.ts';
import type { Blob, WireTensor } from './protocol.ts';

export interface TorchWorkerOptions {
  /** Python executable; default $REPTILE_PYTHON or 'python3'. */
  readonly python?: string;
  /** Default per-call timeout (ms), counted from when the call reaches the worker. Default 120 s. */
  readonly timeoutMs?: number;
  /** Time allowed for Python to start and import torch. Default 60 s. */
  readonly startTimeoutMs?: number;
  /** torch.set_num_threads in the worker; default torch's own choice. */
  readonly threads?: number;
  /**
   * Run TorchScript's graph optimisation passes (the profiling executor's default). Default
   * false: they cost ~25 ms on a module's first two calls and gain little on generated code.
   */
  readonly graphOptimizer?: boolean;
  /** Extra environment variables for the worker process. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface CallOptions {
  readonly timeoutMs?: number;
}

/** An input of `run`: a tensor sent with the call, or the name of a tensor held in the worker. */
export type RunInput = WireTensor | { readonly held: string };

export interface RunOptions extends CallOptions {
  /** Module method to call; default 'forward'. */
  readonly method?: string;
  /** Per output: a name to hold it under in the worker, or null. */
  readonly store?: readonly (string | null)[];
  /** Per output: whether to send it back. Default: all. */
  readonly return?: readonly boolean[];
}

interface Reply {
  readonly result: Record<string, unknown>;
  readonly tensors: WireTensor[];
}

/**
 * A long-lived PyTorch worker process, started on first use. Calls from any number of callers
 * queue and run one at a time in order. A call that exceeds its timeout kills the worker; a
 * crash fails the pending call with the worker's stderr. Either way the next call starts a new
 * worker, reloading every artifact loaded so far; tensors held in the dead worker are gone, and
 * naming one then fails with an error that says why.
 */
export class TorchWorker {
  readonly python: string;
  private proc: WorkerProcess | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 1;
  private pending = 0;
  private closed = false;
  private readonly artifacts = new Map<string, Uint8Array>();
  private readonly held = new Set<string>();
  private readonly lost = new Map<string, string>();
  private restarts = 0;

  constructor(private readonly options: TorchWorkerOptions = {}) {
    this.python = options.python ?? process.env.REPTILE_PYTHON ?? 'python3';
  }

  /** Starts the worker if needed and reports its versions. */
  info(): Promise<WorkerInfo> {
    return this.enqueue(async () => (await this.ensure()).hello);
  }

  /** How many times a worker was replaced after a crash or timeout. */
  get restartCount(): number {
    return this.restarts;
  }

  /** The live worker's pid, if one is running. */
  get pid(): number | undefined {
    return this.proc?.alive ? this.proc.pid : undefined;
  }

  /** Round trip with no tensors; resolves to the measured milliseconds. */
  async ping(options: CallOptions = {}): Promise<number> {
    const t0 = performance.now();
    await this.call('ping', {}, [], options);
    return performance.now() - t0;
  }

  /** Sends tensors and receives them back unchanged (bandwidth tests). */
  async echo(tensors: readonly WireTensor[], options: CallOptions = {}): Promise<WireTensor[]> {
    return (await this.call('echo', {}, tensors, options)).tensors;
  }

  /** Loads a TorchScript archive under `name` (torch.jit.load in the worker). */
  async load(name: string, archive: Uint8Array, options: CallOptions = {}): Promise<ModuleSignature> {
    const reply = await this.call('load', { name }, [archive], options);
    this.artifacts.set(name, archive);
    return reply.result.signature as ModuleSignature;
  }

  async unload(name: string): Promise<void> {
    this.artifacts.delete(name);
    await this.call('unload', { name }, []);
  }

  /** Runs a loaded artifact. Outputs are stored and/or returned per `options`; stores commit only on success. */
  async run(artifact: string, inputs: readonly RunInput[], options: RunOptions = {}): Promise<WireTensor[]> {
    const blobs: WireTensor[] = [];
    const refs = inputs.map((x) => {
      if ('held' in x) return { held: this.checkHeld(x.held) };
      blobs.push(x);
      return { tensor: blobs.length - 1 };
    });
    const fields: Record<string, unknown> = { artifact, inputs: refs };
    if (options.method) fields.method = options.method;
    if (options.store) fields.store = options.store;
    if (options.return) fields.return = options.return;
    const reply = await this.call('run', fields, blobs, options);
    for (const s of options.store ?? []) if (s !== null) this.remember(s);
    return reply.tensors;
  }

  /** Holds tensors in the worker under the given names. */
  async put(entries: Readonly<Record<string, WireTensor>>, options: CallOptions = {}): Promise<void> {
    const names = Object.keys(entries);
    await this.call('put', { names }, Object.values(entries), options);
    for (const n of names) this.remember(n);
  }

  async get(names: readonly string[], options: CallOptions = {}): Promise<WireTensor[]> {
    for (const n of names) this.checkHeld(n);
    return (await this.call('get', { names }, [], options)).tensors;
  }

  async drop(names: readonly string[]): Promise<void> {
    for (const n of names) {
      this.held.delete(n);
      this.lost.delete(n);
    }
    await this.call('drop', { names }, []);
  }

  /** A raw request; the bridge's other modules (peers, bench) build on it. */
  call(
    op: string,
    fields: Record<string, unknown>,
    blobs: readonly Blob[],
    options: CallOptions = {},
  ): Promise<Reply> {
    if (this.closed) {
      return Promise.reject(new ReptileError('the PyTorch worker was closed', { where: 'torch bridge' }));
    }
    return this.enqueue(async () => {
      const proc = await this.ensure();
      const id = this.nextId++;
      const timeoutMs = options.timeoutMs ?? this.options.timeoutMs ?? 120_000;
      const frame = await this.withTimeout(proc.request({ id, op, ...fields }, blobs), timeoutMs, proc, op);
      const h = frame.header as {
        id?: number;
        ok?: boolean;
        result?: Record<string, unknown>;
        error?: { type: string; message: string };
      };
      if (h.id !== id) {
        const err = new ReptileError(`protocol error: answer ${h.id} to request ${id}`, {
          where: 'torch bridge',
        });
        proc.kill(err);
        throw err;
      }
      if (!h.ok) {
        throw new ReptileError(`${op} failed in the PyTorch worker: ${h.error?.message ?? 'unknown error'}`, {
          where: 'torch bridge',
          ...(h.error?.type === 'RequestError' ? {} : { hint: `(${h.error?.type})` }),
        });
      }
      return { result: h.result ?? {}, tensors: frame.tensors };
    });
  }

  /** Finishes queued calls, then stops the worker. Later calls fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.catch(() => {});
    const proc = this.proc;
    this.proc = undefined;
    if (proc) await proc.shutdown();
  }

  /** Kills the worker now; queued calls fail. */
  kill(): void {
    this.closed = true;
    this.proc?.kill();
  }

  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    this.pending++;
    this.proc?.setActive(true);
    const run = this.queue.then(job, job);
    this.queue = run.then(
      () => this.settled(),
      () => this.settled(),
    );
    return run;
  }

  private settled(): void {
    if (--this.pending === 0) this.proc?.setActive(false);
  }

  private async ensure(): Promise<WorkerProcess> {
    if (this.proc?.alive) return this.proc;
    if (this.closed) throw new ReptileError('the PyTorch worker was closed', { where: 'torch bridge' });
    if (this.proc) {
      this.restarts++;
      for (const n of this.held) this.lost.set(n, 'the worker holding it crashed or timed out');
      this.held.clear();
    }
    const env: Record<string, string> = { ...this.options.env };
    if (this.options.threads !== undefined) env.REPTILE_TORCH_THREADS = String(this.options.threads);
    if (this.options.graphOptimizer) env.REPTILE_TORCH_OPTIMIZE = '1';
    const proc = new WorkerProcess(this.python, env);
    this.proc = proc;
    proc.setActive(true);
    await this.withTimeout(proc.hello, this.options.startTimeoutMs ?? 60_000, proc, 'start');
    for (const [name, archive] of this.artifacts) {
      const frame = await proc.request({ id: this.nextId++, op: 'load', name }, [archive]);
      if (!(frame.header as { ok?: boolean }).ok) this.artifacts.delete(name);
    }
    return proc;
  }

  private async withTimeout<T>(
    promise: Promise<T>,
    ms: number,
    proc: WorkerProcess,
    what: string,
  ): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const tail = proc.stderr.trim().split('\n').slice(-10).join('\n');
        const err = new ReptileError(
          `'${what}' timed out after ${ms} ms; the worker was killed${tail ? `; stderr:\n${tail}` : ''}`,
          {
            where: 'torch bridge',
            hint: 'raise timeoutMs for long calls; the next call starts a new worker (held tensors are lost)',
          },
        );
        proc.kill(err);
        reject(err);
      }, ms);
    });
    try {
      return await Promise.race([promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private remember(name: string): void {
    this.held.add(name);
    this.lost.delete(name);
  }

  private checkHeld(name: string): string {
    const why = this.lost.get(name);
    if (why !== undefined) {
      throw new ReptileError(`tensor '${name}' is no longer held: ${why}`, {
        where: 'torch bridge',
        hint: 'put() it again (or re-run the call that stored it)',
      });
    }
    return name;
  }
}
