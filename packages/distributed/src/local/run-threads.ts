import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { ENV, WORKER_DATA_KEY } from '../env.ts';
import {
  DEFAULT_STOP_GRACE_MS,
  type LaunchHandle,
  type LaunchOptions,
  type LaunchResult,
  lineSplitter,
  printLine,
  type RankExit,
} from '../launch-types.ts';
import type { ScriptRunner } from '../script-runner.ts';
import { createLocalWorld, DEFAULT_TIMEOUT_MS, FaultKind, type LocalWorld, markExited } from './world.ts';

/** What a thread receives in workerData[WORKER_DATA_KEY]. */
export interface ThreadLaunchData {
  readonly world: LocalWorld;
  readonly rank: number;
  readonly script: string;
  readonly args: readonly string[];
  readonly tsxApi: string | undefined;
  /** Where the thread's stdout/stderr writes are posted. */
  readonly output: MessagePort;
}

// Runs in the new thread (CommonJS eval): makes process.argv look like `node script args` and
// imports the script, through tsx for TypeScript. An import failure is rethrown outside the
// promise so it reaches the launcher as the thread's 'error' event.
//
// A worker's own process.stdout only forwards a chunk once the parent has acknowledged the
// previous one, and the acknowledgement is read by the worker's event loop, which a
// synchronous training loop never yields to: output would arrive when training ends. Posting
// each write on a port is immediate, so lines stream live.
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
const { pathToFileURL } = require('node:url');
const spec = workerData[${JSON.stringify(WORKER_DATA_KEY)}];
for (const name of ['stdout', 'stderr']) {
  process[name].write = (chunk, encoding, callback) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString(typeof encoding === 'string' ? encoding : 'utf8');
    spec.output.postMessage([name, text]);
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') process.nextTick(done);
    return true;
  };
}
process.argv = [process.execPath, spec.script, ...spec.args];
const url = pathToFileURL(spec.script).href;
const run = spec.tsxApi ? import(spec.tsxApi).then((api) => api.tsImport(url, url)) : import(url);
run.catch((err) => setImmediate(() => { throw err; }));
`;

/**
 * The local transport's launcher: one worker thread per rank in this process, all sharing one
 * LocalWorld. Threads (not processes) because SharedArrayBuffer memory can only be shared within
 * a process; a thread that ends is reported to the world at once, so peers blocked in a
 * collective stop with an error naming it instead of waiting for a timeout.
 */
export function startThreads(options: LaunchOptions, runner: ScriptRunner): LaunchHandle {
  const n = options.n;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const world = createLocalWorld(n, {
    timeoutMs,
    ...(options.slotBytes === undefined ? {} : { slotBytes: options.slotBytes }),
  });
  const sink = options.onLine ?? printLine;
  const exits: (RankExit | undefined)[] = new Array(n).fill(undefined);
  const errors: (string | undefined)[] = new Array(n).fill(undefined);
  const killed = new Set<number>();
  let failure: LaunchResult['failure'];
  let grace: NodeJS.Timeout | undefined;
  let pending = n * 4; // every rank's exit, output port close, stdout end and stderr end
  let finish: (r: LaunchResult) => void = () => {};
  const done = new Promise<LaunchResult>((resolve) => {
    finish = resolve;
  });

  const settle = (): void => {
    if (--pending > 0) return;
    if (grace) clearTimeout(grace);
    const ranks = exits.map((e, r) => e ?? { rank: r, code: 1 });
    const code = failure ? (ranks[failure.rank!]?.code ?? 1) || 1 : 0;
    finish({ code, ranks, ...(failure ? { failure } : {}) });
  };

  const workers = Array.from({ length: n }, (_, rank) => {
    const channel = new MessageChannel();
    const data: ThreadLaunchData = {
      world,
      rank,
      script: runner.script,
      args: [...(options.args ?? [])],
      tsxApi: runner.tsxApi,
      output: channel.port2,
    };
    const worker = new Worker(BOOTSTRAP, {
      eval: true,
      workerData: { [WORKER_DATA_KEY]: data },
      transferList: [channel.port2],
      env: {
        ...process.env,
        ...options.env,
        [ENV.rank]: String(rank),
        [ENV.size]: String(n),
        [ENV.transport]: 'local',
        [ENV.timeoutMs]: String(timeoutMs),
      },
      stdout: true,
      stderr: true,
    });
    const splitters = {
      stdout: lineSplitter((line) => sink(line, 'stdout', rank)),
      stderr: lineSplitter((line) => sink(line, 'stderr', rank)),
    };
    channel.port1.on('message', ([stream, text]: ['stdout' | 'stderr', string]) =>
      splitters[stream].push(text),
    );
    // The port closes once the thread has ended and everything it posted has been delivered.
    channel.port1.on('close', () => {
      splitters.stdout.end();
      splitters.stderr.end();
      settle();
    });
    // Anything that bypasses the patched write (it is captured before the script runs) still arrives here.
    for (const stream of ['stdout', 'stderr'] as const) {
      worker[stream].setEncoding('utf8');
      worker[stream].on('data', (chunk: string) => splitters[stream].push(chunk));
      worker[stream].on('end', settle);
    }
    worker.on('error', (err: unknown) => {
      const text = err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err);
      errors[rank] = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      for (const line of text.split('\n')) sink(line, 'stderr', rank);
    });
    worker.on('exit', (code) => {
      const error = errors[rank];
      exits[rank] = { rank, code, ...(error === undefined ? {} : { error }) };
      markExited(world, rank, code, error === undefined ? FaultKind.Exited : FaultKind.Errored);
      if (code !== 0 && failure === undefined) {
        const what = killed.has(rank)
          ? 'was killed'
          : error !== undefined
            ? `failed: ${error.split('\n')[0]}`
            : `exited with code ${code}`;
        failure = { rank, message: `rank ${rank} ${what}` };
        // Peers blocked in a collective stop at once; one busy elsewhere stops at its next
        // collective call. Whoever is still running after the grace period is terminated.
        grace = setTimeout(() => {
          workers.forEach((w, r) => {
            if (exits[r] === undefined) {
              sink(
                `rank ${r} did not stop within ${options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS} ms; terminating it`,
                'stderr',
                undefined,
              );
              killed.add(r);
              void w.terminate();
            }
          });
        }, options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS);
      }
      settle();
    });
    return worker;
  });

  return {
    done,
    kill(rank) {
      workers.forEach((w, r) => {
        if ((rank === undefined || rank === r) && exits[r] === undefined) {
          killed.add(r);
          void w.terminate();
        }
      });
    },
  };
}
