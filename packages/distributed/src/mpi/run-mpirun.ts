import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fail } from '../core.ts';
import { ENV } from '../env.ts';
import {
  DEFAULT_STOP_GRACE_MS,
  type LaunchHandle,
  type LaunchOptions,
  type LaunchResult,
  lineSplitter,
  printLine,
} from '../launch-types.ts';
import type { ScriptRunner } from '../script-runner.ts';
import { commandExists, MPI_INSTALL_HINT } from './addon.ts';
import { EXIT_NOTICE } from './mpi-collective.ts';

export interface MpirunContext {
  /** Running as root: Open MPI refuses unless --allow-run-as-root. */
  readonly isRoot: boolean;
  readonly cores: number;
}

export function currentContext(): MpirunContext {
  return { isRoot: process.getuid?.() === 0, cores: availableParallelism() };
}

/**
 * The mpirun command line: `mpirun -np N [--allow-run-as-root] [--oversubscribe] [--hostfile F]
 * --tag-output -x VAR... [extra] node [--import tsx] script args`. Oversubscription is only added
 * without a hostfile (a hostfile's slot counts are the user's statement of capacity).
 */
export function mpirunArgs(
  options: LaunchOptions,
  runner: ScriptRunner,
  context: MpirunContext = currentContext(),
): string[] {
  const exported = [
    ENV.transport,
    ...(options.timeoutMs === undefined ? [] : [ENV.timeoutMs]),
    ...Object.keys(options.env ?? {}),
  ];
  return [
    '-np',
    String(options.n),
    ...(context.isRoot ? ['--allow-run-as-root'] : []),
    ...(options.hostfile === undefined && options.n > context.cores ? ['--oversubscribe'] : []),
    ...(options.hostfile === undefined ? [] : ['--hostfile', options.hostfile]),
    '--tag-output',
    ...exported.flatMap((name) => ['-x', name]),
    ...(options.mpirunArgs ?? []),
    process.execPath,
    ...runner.nodeArgs,
    runner.script,
    ...(options.args ?? []),
  ];
}

/** The line a rank prints when it exits with an error (see mpi-collective.ts). */
const EXIT_PATTERN = new RegExp(`^${EXIT_NOTICE} (\\d+) exiting with code (\\d+)`);

/** `[1,3]<stdout>:text` (Open MPI's --tag-output) → rank 3, stream, text. */
const TAGGED = /^\[\d+,(\d+)\]<(stdout|stderr)>:(.*)$/;
const EMBEDDED_TAG = /(?=\[\d+,\d+\]<(?:stdout|stderr)>:)/;

/** Which rank mpirun says failed, from its own messages (Open MPI 4 and 5 wordings). */
export function failedRankIn(line: string): number | undefined {
  const m =
    /process rank (\d+) with PID/.exec(line) ??
    /invoked on rank (\d+) in communicator/.exec(line) ??
    /Process name: \[\[\d+,\d+\],(\d+)\]/.exec(line) ??
    /on rank (\d+) in communicator/.exec(line);
  return m ? Number(m[1]) : undefined;
}

/** Launches `mpirun` and relabels its tagged output as `[rank r] ...`. */
export function startMpirun(options: LaunchOptions, runner: ScriptRunner): LaunchHandle {
  if (!commandExists('mpirun')) {
    fail('mpirun was not found on PATH', { where: 'launch --transport mpi', hint: MPI_INSTALL_HINT });
  }
  const sink = options.onLine ?? printLine;
  const args = mpirunArgs(options, runner);
  const child: ChildProcess = spawn('mpirun', args, {
    cwd: options.cwd ?? process.cwd(),
    env: {
      ...process.env,
      ...options.env,
      [ENV.transport]: 'mpi',
      ...(options.timeoutMs === undefined ? {} : { [ENV.timeoutMs]: String(options.timeoutMs) }),
    },
    // Its own process group, so a stuck job can be killed whole (mpirun and every rank).
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stopGraceMs = options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
  let failure: LaunchResult['failure'];
  let grace: NodeJS.Timeout | undefined;
  let exited = false;
  const killGroup = (signal: NodeJS.Signals): void => {
    if (exited || child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  const onParentExit = (): void => killGroup('SIGKILL');
  process.on('exit', onParentExit);

  const noteFailure = (rank: number | undefined, message: string): void => {
    if (failure !== undefined) return;
    failure = { rank, message };
    grace = setTimeout(() => {
      sink(`the job did not stop within ${stopGraceMs} ms of the failure; killing it`, 'stderr', undefined);
      killGroup('SIGKILL');
    }, stopGraceMs);
  };

  const route = (stream: 'stdout' | 'stderr') =>
    lineSplitter((whole) => {
      // mpirun does not end a rank's unterminated last line: the next tagged line is appended to it.
      for (const line of whole.split(EMBEDDED_TAG)) routeLine(line, stream);
    });
  const routeLine = (line: string, stream: 'stdout' | 'stderr'): void => {
    const m = TAGGED.exec(line);
    if (m) {
      const rank = Number(m[1]);
      sink(m[3]!, m[2] as 'stdout' | 'stderr', rank);
      const notice = EXIT_PATTERN.exec(m[3]!);
      if (notice) noteFailure(Number(notice[1]), `rank ${notice[1]} exited with code ${notice[2]}`);
      return;
    }
    sink(line, stream, undefined);
    const rank = failedRankIn(line);
    if (rank !== undefined) noteFailure(rank, `rank ${rank} failed: ${line.trim()}`);
  };
  const out = route('stdout');
  const err = route('stderr');
  child.stdout!.setEncoding('utf8').on('data', (c: string) => out.push(c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => err.push(c));

  const done = new Promise<LaunchResult>((resolve, reject) => {
    child.on('error', (e) => {
      process.off('exit', onParentExit);
      reject(e);
    });
    child.on('close', (code, signal) => {
      exited = true;
      process.off('exit', onParentExit);
      if (grace) clearTimeout(grace);
      out.end();
      err.end();
      const exitCode = code ?? 128 + signalNumber(signal);
      if (exitCode !== 0 && failure === undefined)
        failure = { rank: undefined, message: `mpirun exited with code ${exitCode}` };
      resolve({ code: exitCode, ranks: [], ...(failure ? { failure } : {}) });
    });
  });

  return {
    done,
    kill(rank) {
      if (rank === undefined) {
        killGroup('SIGKILL');
        return;
      }
      const pid = child.pid === undefined ? undefined : rankPid(child.pid, rank);
      if (pid === undefined) fail(`rank ${rank} has no running process`, { where: 'launch kill' });
      process.kill(pid, 'SIGKILL');
    },
  };
}

function signalNumber(signal: NodeJS.Signals | null): number {
  if (signal === null) return 0;
  try {
    return Number(execFileSync('sh', ['-c', `kill -l ${signal}`], { encoding: 'utf8' }).trim()) || 1;
  } catch {
    return 1;
  }
}

/** The pid of `rank` among mpirun's children (Linux /proc: its OMPI_COMM_WORLD_RANK). */
function rankPid(mpirunPid: number, rank: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== mpirunPid) continue;
      const env = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (env.includes(`OMPI_COMM_WORLD_RANK=${rank}`)) return Number(entry);
    } catch {
      // the process ended while scanning
    }
  }
  return undefined;
}
