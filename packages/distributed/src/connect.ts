import { workerData } from 'node:worker_threads';
import { type Collective, singleRankCollective } from './core.ts';
import { ENV, envTimeoutMs, startedByMpi, WORKER_DATA_KEY } from './env.ts';
import { type LocalCollective, localCollective } from './local/local-collective.ts';
import type { ThreadLaunchData } from './local/run-threads.ts';
import { type MpiCollective, mpiCollective } from './mpi/mpi-collective.ts';

export type WorldCollective = Collective & { readonly transport: 'single' | 'local' | 'mpi' };

export interface ConnectOptions {
  /** Collective timeout in ms (mpi: 0 = block without a deadline). Default: REPTILE_TIMEOUT_MS. */
  readonly timeoutMs?: number;
}

let cached: WorldCollective | undefined;

/**
 * The collective of the world this process or thread was launched into: a worker thread of
 * `reptile launch` gets the local transport, a process under mpirun the MPI one, and a plain
 * `node train.js` a single-rank world (so the same script runs alone unchanged). Calling it
 * again returns the same collective.
 */
export function connect(options: ConnectOptions = {}): WorldCollective {
  if (cached) return cached;
  const launched = (workerData as Record<string, unknown> | null)?.[WORKER_DATA_KEY] as
    | ThreadLaunchData
    | undefined;
  if (launched) {
    const world =
      options.timeoutMs === undefined ? launched.world : { ...launched.world, timeoutMs: options.timeoutMs };
    cached = localCollective(world, launched.rank) satisfies LocalCollective;
  } else if (startedByMpi()) {
    const timeoutMs = options.timeoutMs ?? envTimeoutMs();
    cached = mpiCollective(timeoutMs === undefined ? {} : { timeoutMs }) satisfies MpiCollective;
  } else {
    cached = { ...singleRankCollective(), transport: 'single' };
  }
  return cached;
}

/** This worker's rank and world size without creating a collective (0 and 1 when not launched). */
export function worldInfo(): { rank: number; size: number } {
  const rank = Number(process.env[ENV.rank] ?? process.env.OMPI_COMM_WORLD_RANK ?? process.env.PMI_RANK ?? 0);
  const size = Number(process.env[ENV.size] ?? process.env.OMPI_COMM_WORLD_SIZE ?? process.env.PMI_SIZE ?? 1);
  return { rank, size };
}
