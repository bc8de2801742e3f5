import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeMnistCsv } from '../demo/mnist-csv.ts';

/** The demo's MNIST CSV files in `dir`, written first if they are missing. */
export async function ensureMnistCsv(
  dir: string,
  perClass?: number,
): Promise<{ train: string; test: string }> {
  const train = join(dir, 'train_data.csv');
  const test = join(dir, 'test_data.csv');
  if (!existsSync(train) || !existsSync(test) || perClass !== undefined)
    await writeMnistCsv({ dir, ...(perClass !== undefined ? { perClass } : {}) });
  return { train, test };
}

/** `--flag value` pairs from argv (the guides take only a couple of numeric flags). */
export function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

/** `--dir DIR` from argv, as an options fragment. */
export function dirFlag(): { dir?: string } {
  const at = process.argv.indexOf('--dir');
  return at >= 0 && process.argv[at + 1] ? { dir: process.argv[at + 1]! } : {};
}
