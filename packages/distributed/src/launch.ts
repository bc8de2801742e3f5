import { fail } from './core.ts';
import { type LaunchHandle, type LaunchOptions, type LaunchResult, TRANSPORTS } from './launch-types.ts';
import { startThreads } from './local/run-threads.ts';
import { startMpirun } from './mpi/run-mpirun.ts';
import { scriptRunner } from './script-runner.ts';

/**
 * Starts `n` workers running `script args` and streams their output with a rank prefix
 * (`[rank 0] ...`). local: worker threads of this process sharing memory; mpi: `mpirun -np n`.
 */
export function startLaunch(options: LaunchOptions): LaunchHandle {
  const transport = options.transport ?? 'local';
  if (!TRANSPORTS.includes(transport)) {
    fail(`unknown transport '${String(transport)}'`, {
      where: 'launch',
      hint: `use one of ${TRANSPORTS.join(', ')}`,
    });
  }
  if (!Number.isInteger(options.n) || options.n < 1) {
    fail(`n must be a positive integer, got ${options.n}`, { where: 'launch', hint: 'e.g. -n 2' });
  }
  if (options.hostfile !== undefined && transport !== 'mpi') {
    fail('a hostfile needs the mpi transport', { where: 'launch --hostfile', hint: 'add --transport mpi' });
  }
  const runner = scriptRunner(options.script, options.cwd);
  return transport === 'mpi' ? startMpirun(options, runner) : startThreads(options, runner);
}

/** `startLaunch(options).done`: resolves when every worker has exited. */
export function launch(options: LaunchOptions): Promise<LaunchResult> {
  return startLaunch(options).done;
}
