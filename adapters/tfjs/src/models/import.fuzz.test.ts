import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ReptileError, Tensor } from '@reptile/core';
import * as tfl from '@tensorflow/tfjs-layers';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INFERENCE } from '../../../../packages/layers/src/index.ts';
import { useBackend } from '../testing.ts';
import { importTfjsModel } from './import.ts';
import { buildFunctional, saveTfjs, tempRoot, values, weightsInOrder } from './testing.ts';

/**
 * model.json and the weight shards are untrusted input: whatever bytes they hold, the import
 * either succeeds or throws a ReptileError — never a TypeError, RangeError or a hang.
 */
let temp: Awaited<ReturnType<typeof tempRoot>>;
let dir = '';
let text = '';
let shardName = '';
let shard = new Uint8Array();

beforeAll(async () => {
  await useBackend('cpu');
  temp = await tempRoot();
  dir = temp.folder();
  const x = tfl.input({ shape: [6, 6, 2], name: 'image' });
  const c = tfl.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', name: 'conv' }).apply(x);
  const p = tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool' }).apply(c);
  const f = tfl.layers.flatten({ name: 'flat' }).apply(p);
  const d = tfl.layers.dense({ units: 4, activation: 'relu', name: 'hidden' }).apply(f) as tfl.SymbolicTensor;
  const e = tfl.layers.dense({ units: 4, name: 'skip' }).apply(d) as tfl.SymbolicTensor;
  const y = tfl.layers.add({ name: 'sum' }).apply([d, e]) as tfl.SymbolicTensor;
  await saveTfjs(tfl.model({ inputs: x, outputs: y }), dir);
  text = await readFile(join(dir, 'model.json'), 'utf8');
  shardName = (await readdir(dir)).find((n) => n.endsWith('.bin'))!;
  shard = new Uint8Array(await readFile(join(dir, shardName)));
});
afterAll(async () => {
  await temp.cleanup();
});

async function outcome(): Promise<'ok' | 'refused'> {
  try {
    await importTfjsModel(dir);
    return 'ok';
  } catch (error) {
    if (error instanceof ReptileError) return 'refused';
    throw error;
  }
}

/** An edit of a string: replace a span with fuzz, or cut it short. */
const textEdit = fc.oneof(
  fc.record({
    at: fc.nat(),
    cut: fc.nat({ max: 8 }),
    insert: fc.oneof(
      fc.string({ maxLength: 6 }),
      fc.constantFrom('-1', '0', '1e9', 'null', '[]', '{}', '"x"', '..', '/', '"../a"', 'true', '1.5'),
    ),
  }),
  fc.record({ truncateAt: fc.nat() }),
);

describe('importTfjsModel on mutated files', () => {
  it('the unmutated folder imports', async () => {
    expect(await outcome()).toBe('ok');
  });

  it('mutated model.json text: imports or throws ReptileError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(textEdit, { minLength: 1, maxLength: 3 }), async (edits) => {
        let t = text;
        for (const e of edits) {
          if ('truncateAt' in e) t = t.slice(0, e.truncateAt % (t.length + 1));
          else {
            const at = e.at % (t.length + 1);
            t = t.slice(0, at) + e.insert + t.slice(at + e.cut);
          }
        }
        await writeFile(join(dir, 'model.json'), t);
        await writeFile(join(dir, shardName), shard);
        await outcome();
      }),
      { numRuns: 300 },
    );
  });

  it('a value anywhere in model.json replaced by arbitrary JSON: imports or throws ReptileError', async () => {
    const paths = valuePaths(JSON.parse(text));
    await writeFile(join(dir, shardName), shard);
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.jsonValue({ maxDepth: 2 }), async (pick, value) => {
        const json = JSON.parse(text);
        const path = paths[pick % paths.length]!;
        let node = json;
        for (const key of path.slice(0, -1)) node = node[key];
        node[path[path.length - 1]!] = value;
        await writeFile(join(dir, 'model.json'), JSON.stringify(json));
        await outcome();
      }),
      { numRuns: 400 },
    );
  });

  it('what imports also builds and runs in Reptile, or is refused with a ReptileError', async () => {
    const paths = valuePaths(JSON.parse(text));
    await writeFile(join(dir, shardName), shard);
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.jsonValue({ maxDepth: 1 }), async (pick, value) => {
        const json = JSON.parse(text);
        const path = paths[pick % paths.length]!;
        let node = json;
        for (const key of path.slice(0, -1)) node = node[key];
        node[path[path.length - 1]!] = value;
        await writeFile(join(dir, 'model.json'), JSON.stringify(json));
        await importBuildRun();
      }),
      { numRuns: 300 },
    );
  });

  it('every value in model.json replaced by each hostile value: builds and runs, or ReptileError', {
    timeout: 180_000,
  }, async () => {
    const paths = valuePaths(JSON.parse(text));
    await writeFile(join(dir, shardName), shard);
    const hostile: unknown[] = [
      { toString: false },
      -1,
      0,
      2.5,
      1e300,
      null,
      'x',
      [],
      {},
      true,
      [[['x', 0, 0, {}]]],
    ];
    for (const path of paths) {
      for (const value of hostile) {
        const json = JSON.parse(text);
        let node = json;
        for (const key of path.slice(0, -1)) node = node[key];
        node[path[path.length - 1]!] = value;
        await writeFile(join(dir, 'model.json'), JSON.stringify(json));
        await importBuildRun();
      }
    }
  });

  it('mutated shard bytes: imports or throws ReptileError', async () => {
    await writeFile(join(dir, 'model.json'), text);
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: -8, max: 8 }),
        async (at, byte, resize) => {
          const bytes = new Uint8Array(Math.max(0, shard.length + resize));
          bytes.set(shard.subarray(0, bytes.length));
          if (bytes.length > 0) bytes[at % bytes.length] = byte;
          await writeFile(join(dir, shardName), bytes);
          expect(await outcome()).toBe(resize === 0 ? 'ok' : 'refused');
        },
      ),
      { numRuns: 150 },
    );
  });
});

/** Every key path in a JSON tree (objects and arrays), so a mutation can land anywhere. */
function valuePaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [];
  const keys: (string | number)[] = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return keys.flatMap((k) => [
    [...prefix, k],
    ...valuePaths((value as Record<string | number, unknown>)[k], [...prefix, k]),
  ]);
}

/** Import, then (for inputs small enough to allocate) build and run in Reptile; only ReptileErrors are acceptable. */
async function importBuildRun(): Promise<void> {
  const x = Tensor.fromData(values(72, 9), [1, 6, 6, 2]);
  try {
    const imported = await importTfjsModel(dir);
    const input = (imported.config.inputs as { shape: number[] }[])[0]!;
    // Building and running allocate memory in proportion to the input (pooling layers
    // precompute window counts), so fuzzed giant inputs are only imported, not built.
    if (input.shape.reduce((a, b) => a * b, 1) <= 1e5) {
      const model = buildFunctional(imported.config);
      const ordered = weightsInOrder(model, imported.weights);
      const batch =
        input.shape.join(',') === '6,6,2' ? x : Tensor.zeros([1, ...input.shape], model.inputs[0]!.dtype);
      model.apply(ordered, batch, INFERENCE).data();
    }
  } catch (error) {
    if (!(error instanceof ReptileError)) throw error;
  }
}
