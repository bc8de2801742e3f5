export type TransportName = 'local' | 'mpi';
export const TRANSPORTS: readonly TransportName[] = ['local', 'mpi'];

export interface LaunchOptions {
  /** Number of workers (ranks). */
  readonly n: number;
  /** 'local' (worker threads sharing memory, the default) or 'mpi' (mpirun). */
  readonly transport?: TransportName;
  /** MPI hostfile (several hosts); mpi only. */
  readonly hostfile?: string;
  /** The training script every rank runs (.js, or .ts through tsx). */
  readonly script: string;
  readonly args?: readonly string[];
  /** Extra environment for every rank. */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /**
   * A collective that waits longer than this for a peer fails, naming the missing ranks
   * (REPTILE_TIMEOUT_MS in the workers). Default 300 000.
   */
  readonly timeoutMs?: number;
  /**
   * After the first rank fails, the others get this long to stop on their own (they stop at
   * their next collective call) before they are terminated. Default 10 000.
   */
  readonly stopGraceMs?: number;
  /** Extra mpirun flags, e.g. ['--mca', 'btl', 'tcp,self']; mpi only. */
  readonly mpirunArgs?: readonly string[];
  /** Bytes of each rank's staging slot in shared memory; local only. Default 64 MiB. */
  readonly slotBytes?: number;
  /** Where output lines go; default: `[rank r] line` on this process's stdout/stderr. */
  readonly onLine?: LineSink;
}

/** One line of a worker's output; rank is undefined for the launcher's or mpirun's own lines. */
export type LineSink = (line: string, stream: 'stdout' | 'stderr', rank: number | undefined) => void;

export interface RankExit {
  readonly rank: number;
  /** Exit code (a signal counts as 128 + its number). */
  readonly code: number;
  /** The uncaught error, if the rank threw one. */
  readonly error?: string;
}

export interface LaunchResult {
  /** 0 when every rank exited 0; otherwise the exit code of the first rank that failed. */
  readonly code: number;
  /** Ranks in rank order; may be empty for mpi when mpirun gives no per-rank codes. */
  readonly ranks: readonly RankExit[];
  /** The first failure, the cause the others stopped for, if any. */
  readonly failure?: { readonly rank: number | undefined; readonly message: string };
}

/** A running launch. */
export interface LaunchHandle {
  readonly done: Promise<LaunchResult>;
  /** Kills one rank (as a crash would) or, without a rank, all of them. */
  kill(rank?: number): void;
}

export const DEFAULT_STOP_GRACE_MS = 10_000;

/** The default sink: `[rank r] line` on the process's own streams. */
export const printLine: LineSink = (line, stream, rank) => {
  const prefix = rank === undefined ? '[launch] ' : `[rank ${rank}] `;
  (stream === 'stdout' ? process.stdout : process.stderr).write(`${prefix}${line}\n`);
};

/** Splits a byte stream into lines, holding back a partial last line until more arrives or end. */
export function lineSplitter(emit: (line: string) => void): { push(chunk: string): void; end(): void } {
  let pending = '';
  return {
    push(chunk) {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) emit(line.endsWith('\r') ? line.slice(0, -1) : line);
    },
    end() {
      if (pending.length > 0) emit(pending);
      pending = '';
    },
  };
}
