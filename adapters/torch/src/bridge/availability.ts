import { spawnSync } from 'node:child_process';
import { TORCH_REQUIREMENT } from './process.ts';

let cached: string | undefined | null = null;

/**
 * undefined when the configured Python can import torch, else what to install. Synchronous
 * (one short-lived `python3 -c "import torch"`, cached) so registries can ask at start-up.
 */
export function torchUnavailableReason(python = process.env.REPTILE_PYTHON ?? 'python3'): string | undefined {
  if (cached !== null) return cached;
  const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.error) {
    cached = `'${python}' cannot be started (${r.error.message}): install Python 3 and run \`python3 -m pip install ${TORCH_REQUIREMENT}\``;
  } else if (r.status !== 0) {
    cached = `PyTorch is not installed for ${python}: run \`${python} -m pip install ${TORCH_REQUIREMENT}\``;
  } else {
    cached = undefined;
  }
  return cached;
}
