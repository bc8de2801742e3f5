import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { fail } from '../core.ts';

/** The native binding (native/reptile_mpi.cc). Every call blocks; errors are thrown as JS errors. */
export interface MpiAddon {
  init(): void;
  finalize(): void;
  abort(code: number): void;
  rank(): number;
  size(): number;
  processorName(): string;
  /** output = Σ_ranks input / size; output may be input (MPI_IN_PLACE). timeoutMs ≤ 0: no deadline. */
  allreduceMean(
    input: Float32Array | Float64Array,
    output: Float32Array | Float64Array,
    timeoutMs?: number,
  ): void;
  /** The raw MPI_SUM, for benchmarks. */
  allreduceSum(input: Float32Array | Float64Array, output: Float32Array | Float64Array): void;
  broadcast(buffer: Float32Array | Float64Array, root: number, timeoutMs?: number): void;
  barrier(timeoutMs?: number): void;
  version(): string;
  wtime(): number;
}

export const ADDON_PATH = fileURLToPath(new URL('../../build/reptile_mpi.node', import.meta.url));
export const MPI_INSTALL_HINT =
  'install Open MPI with its headers (Debian/Ubuntu: apt-get install -y openmpi-bin libopenmpi-dev; ' +
  'Fedora: dnf install openmpi-devel; macOS: brew install open-mpi), then build the addon with ' +
  '`pnpm --filter @reptile/distributed build:native`';

let loaded: MpiAddon | undefined;

/** Loads the addon, or fails saying exactly what to install or build. */
export function loadMpiAddon(path = process.env.REPTILE_MPI_ADDON ?? ADDON_PATH): MpiAddon {
  if (loaded) return loaded;
  if (!existsSync(path)) {
    const hasMpicc = commandExists('mpicc');
    fail(
      hasMpicc
        ? `the MPI addon has not been built (${path} is missing)`
        : `the MPI transport needs Open MPI, which is not installed (no mpicc on PATH, no ${path})`,
      {
        where: 'mpi transport',
        hint: hasMpicc ? 'run `pnpm --filter @reptile/distributed build:native`' : MPI_INSTALL_HINT,
      },
    );
  }
  try {
    loaded = createRequire(import.meta.url)(path) as MpiAddon;
  } catch (err) {
    fail(`could not load the MPI addon ${path}: ${(err as Error).message}`, {
      where: 'mpi transport',
      hint: `the MPI runtime libraries may be missing or differ from the build: ${MPI_INSTALL_HINT}`,
    });
  }
  return loaded;
}

/** True when the addon is built and loads (does not initialise MPI). */
export function mpiAvailable(): boolean {
  try {
    loadMpiAddon();
    return true;
  } catch {
    return false;
  }
}

export function commandExists(command: string): boolean {
  try {
    execFileSync('/bin/sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
