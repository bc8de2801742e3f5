/**
 * The environment contract between the launcher and a worker. The launcher sets these for every
 * rank; under a plain `mpirun` (no Reptile launcher) the MPI variables stand in for them.
 */
export const ENV = {
  rank: 'REPTILE_RANK',
  size: 'REPTILE_WORLD_SIZE',
  transport: 'REPTILE_TRANSPORT',
  timeoutMs: 'REPTILE_TIMEOUT_MS',
} as const;

/** workerData key under which the local launcher passes the shared world to a thread. */
export const WORKER_DATA_KEY = 'reptileLaunch';

/** True when this process was started by mpirun/mpiexec (Open MPI, MPICH, or PMIx-based). */
export function startedByMpi(env: NodeJS.ProcessEnv = process.env): boolean {
  return (
    env.OMPI_COMM_WORLD_SIZE !== undefined ||
    env.PMI_SIZE !== undefined ||
    env.PMIX_RANK !== undefined ||
    env[ENV.transport] === 'mpi'
  );
}

/** REPTILE_TIMEOUT_MS if set to a positive number. */
export function envTimeoutMs(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env[ENV.timeoutMs];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}
