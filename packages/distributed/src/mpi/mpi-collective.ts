import { type Collective, type FloatBuffer, fail, ReptileError } from '../core.ts';
import { loadMpiAddon, type MpiAddon } from './addon.ts';

export interface MpiCollective extends Collective {
  readonly transport: 'mpi';
  /** The mean written into `buffer` itself (MPI_IN_PLACE): no allocation. */
  allreduceMeanInPlace(buffer: FloatBuffer): void;
  /** MPI_Finalize; also done automatically when the process exits with code 0. */
  finalize(): void;
  /** The library's version string, e.g. "Open MPI v4.1.4, ...". */
  readonly library: string;
  readonly addon: MpiAddon;
}

export interface MpiOptions {
  /**
   * Deadline in ms for every collective (nonblocking call polled until then), or undefined/0
   * to block in MPI itself. mpirun already ends the job when a rank dies; the deadline also
   * catches a rank that is alive but stuck.
   */
  readonly timeoutMs?: number;
}

/** Start of the line a failing rank prints; the launcher reads the rank from it. */
export const EXIT_NOTICE = 'reptile: rank';

let world: MpiCollective | undefined;

/**
 * The MPI_COMM_WORLD collective of this process (initialised once). Each MPI call blocks the
 * JS thread, matching the synchronous Collective interface. At exit the process finalises MPI
 * when exiting cleanly; otherwise it says so on stderr and exits without finalising, which makes
 * mpirun end every other rank at once (and name this one) instead of leaving peers blocked.
 * (MPI_Abort from inside node's exit handler garbles mpirun's report, so it is not used there.)
 */
export function mpiCollective(options: MpiOptions = {}): MpiCollective {
  if (world) return world;
  const addon = loadMpiAddon();
  addon.init();
  const rank = addon.rank();
  const size = addon.size();
  const timeout = options.timeoutMs ?? 0;
  let finalized = false;
  let calls = 0;
  const call = <T>(what: string, fn: () => T): T => {
    calls++;
    try {
      return fn();
    } catch (err) {
      const e = err as Error & { code?: string };
      if (e.code === 'REPTILE_MPI_TIMEOUT') {
        throw new ReptileError(`${what} #${calls} did not complete within ${timeout} ms on rank ${rank}`, {
          where: 'mpi transport',
          hint: 'a peer rank died or is stuck (mpirun names it); if steps are legitimately this slow, raise the timeout',
        });
      }
      throw new ReptileError(`${what} #${calls} failed on rank ${rank}: ${e.message}`, {
        where: 'mpi transport',
        hint: 'every rank must pass the same params in the same order',
      });
    }
  };
  process.on('exit', (code) => {
    if (finalized) return;
    finalized = true;
    if (code === 0) addon.finalize();
    else
      process.stderr.write(
        `${EXIT_NOTICE} ${rank} exiting with code ${code}; mpirun stops the other ranks\n`,
      );
  });
  const alloc = (b: FloatBuffer): FloatBuffer =>
    b instanceof Float64Array ? new Float64Array(b.length) : new Float32Array(b.length);
  world = {
    transport: 'mpi',
    rank,
    size,
    library: addon.version(),
    addon,
    allreduceMean(buffer) {
      checkFloat(buffer, 'allreduceMean');
      const out = alloc(buffer);
      call('allreduceMean', () => addon.allreduceMean(buffer, out, timeout));
      return out;
    },
    allreduceMeanInPlace(buffer) {
      checkFloat(buffer, 'allreduceMeanInPlace');
      call('allreduceMean', () => addon.allreduceMean(buffer, buffer, timeout));
    },
    broadcast(buffer, root) {
      checkFloat(buffer, 'broadcast');
      if (!Number.isInteger(root) || root < 0 || root >= size) {
        fail(`root ${root} is outside a world of ${size}`, { where: 'broadcast' });
      }
      const out = buffer.slice();
      call('broadcast', () => addon.broadcast(out, root, timeout));
      return out;
    },
    barrier() {
      call('barrier', () => addon.barrier(timeout));
    },
    finalize() {
      if (finalized) return;
      finalized = true;
      addon.finalize();
    },
  };
  return world;
}

function checkFloat(buffer: unknown, op: string): void {
  if (!(buffer instanceof Float32Array) && !(buffer instanceof Float64Array)) {
    fail('expected a Float32Array or Float64Array', { where: op, hint: 'flatten the tensors first' });
  }
}
