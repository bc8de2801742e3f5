import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLaunch } from '../launch.ts';
import type { LaunchOptions, LaunchResult } from '../launch-types.ts';
import { ADDON_PATH } from '../mpi/addon.ts';

/** Test helpers: run a fixture script on a transport and collect every rank's JSON output. */

export const WORKERS = {
  linear: fileURLToPath(new URL('./linear-worker.ts', import.meta.url)),
  collective: fileURLToPath(new URL('./collective-worker.ts', import.meta.url)),
};

/** mpirun flags selecting the byte transfer layer explicitly (ob1 so UCX cannot bypass it). */
export const MPI_SHARED_MEMORY = ['--mca', 'pml', 'ob1', '--mca', 'btl', 'vader,self'];
export const MPI_TCP = ['--mca', 'pml', 'ob1', '--mca', 'btl', 'tcp,self'];

export interface WorkerRun<T> {
  readonly result: LaunchResult;
  /** Output files by rank (undefined where a rank wrote none). */
  readonly outputs: (T | undefined)[];
  /** Every line the ranks printed, as `[rank r] line`. */
  readonly lines: string[];
  readonly elapsedMs: number;
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `reptile-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Runs `script` with a config file on n ranks; `config` gets `out` filled in. */
export async function runWorker<T>(
  script: string,
  config: Record<string, unknown>,
  options: Omit<LaunchOptions, 'script' | 'args' | 'onLine'> & {
    onLine?: (line: string, kill: (rank?: number) => void) => void;
  },
): Promise<WorkerRun<T>> {
  const dir = tempDir('run');
  try {
    const file = join(dir.path, 'config.json');
    writeFileSync(file, JSON.stringify({ out: dir.path, ...config }));
    const lines: string[] = [];
    const start = performance.now();
    let kill: (rank?: number) => void = () => {};
    const handle = startLaunch({
      ...options,
      script,
      args: [file],
      onLine: (line, _stream, rank) => {
        const text = `[${rank === undefined ? 'launch' : `rank ${rank}`}] ${line}`;
        lines.push(text);
        options.onLine?.(text, kill);
      },
    });
    kill = (rank) => handle.kill(rank);
    const result = await handle.done;
    const elapsedMs = performance.now() - start;
    const outputs = Array.from({ length: options.n }, (_, r) => {
      const path = join(dir.path, `rank-${r}.json`);
      return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : undefined;
    });
    return { result, outputs, lines, elapsedMs };
  } finally {
    dir.remove();
  }
}

/**
 * Builds the MPI addon when it is missing or older than its source, so MPI tests run (and fail
 * loudly when MPI is absent) without a separate build step.
 */
export function ensureMpiAddon(): void {
  const source = fileURLToPath(new URL('../../native/reptile_mpi.cc', import.meta.url));
  if (existsSync(ADDON_PATH) && statSync(ADDON_PATH).mtimeMs >= statSync(source).mtimeMs) return;
  execFileSync(
    process.execPath,
    [fileURLToPath(new URL('../../scripts/build-native.mjs', import.meta.url))],
    {
      stdio: 'inherit',
    },
  );
}
