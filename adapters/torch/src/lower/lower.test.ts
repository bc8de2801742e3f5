import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTorchScriptArchive } from '../archive/archive.ts';
import { runGraph, Tensor, trace } from '../core.ts';
import { difference, runOnReference, runOnTorch, testWorker } from '../testing/harness.ts';
import { lowerGraph } from './lower.ts';

const worker = testWorker();
afterAll(() => worker.close());

/** A small pseudo-random generator, so fast-check shrinks seeds instead of whole arrays. */
function randomData(seed: number, n: number, scale = 4): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32 - 0.5) * 2 * scale;
  });
}

const OPS = [
  'add',
  'sub',
  'mul',
  'div',
  'max',
  'neg',
  'sqrtAbs',
  'where',
  'scale',
  'normScale',
  'roundTrip',
] as const;

function program(
  ops: readonly { op: (typeof OPS)[number]; a: number; b: number }[],
  pick: readonly number[],
) {
  return (x0: Tensor, x1: Tensor, x2: Tensor) => {
    const v: Tensor[] = [x0, x1, x2];
    for (const { op, a, b } of ops) {
      const p = v[a % v.length]!;
      const q = v[b % v.length]!;
      const next = {
        add: () => p.add(q),
        sub: () => p.sub(q),
        mul: () => p.mul(q),
        div: () => p.div(q.abs().add(0.5)),
        max: () => p.maximum(q),
        neg: () => p.neg(),
        sqrtAbs: () => p.abs().sqrt(),
        where: () => Tensor.where(p.gt(q), p, q.mul(0.25)),
        scale: () => p.mul(0.37).add(1.5),
        normScale: () => p.div(q.square().sum().add(1).sqrt()), // a reduction inside the chain
        roundTrip: () => p.mul(3).cast('int32').cast('float32'),
      }[op]();
      v.push(next);
    }
    return [v[v.length - 1]!, ...pick.map((k) => v[k % v.length]!)];
  };
}

describe('chunked elementwise regions', () => {
  it('give the reference values for random programs, whatever the chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom([40], [5, 9], [3, 4, 5]),
        fc.array(fc.record({ op: fc.constantFrom(...OPS), a: fc.nat(50), b: fc.nat(50) }), {
          minLength: 2,
          maxLength: 10,
        }),
        fc.array(fc.nat(50), { maxLength: 2 }),
        fc.nat(),
        fc.integer({ min: 1, max: 17 }),
        async (shape, ops, pick, seed, chunk) => {
          const specs = ['x0', 'x1', 'x2'].map((name) => ({ name, shape, dtype: 'float32' as const }));
          const graph = trace(specs, program(ops, pick));
          const size = shape.reduce((a, b) => a * b, 1);
          const inputs = [0, 1, 2].map((k) => randomData(seed + k, size));
          const want = runOnReference(graph, inputs);
          const got = await runOnTorch(worker, graph, inputs, { chunkElements: chunk, minChunkedSize: 8 });
          got.forEach((g, i) => {
            expect(difference(g, want[i]!)).toBeUndefined();
          });
        },
      ),
      { numRuns: 15 },
    );
  });

  it('emits a chunk loop for large chains and none for small ones', () => {
    const big = trace([{ name: 'a', shape: [1000], dtype: 'float32' }], (a) => [a.mul(2).add(1)]);
    const chunked = lowerGraph(big, { chunkElements: 64, minChunkedSize: 256 }).source;
    expect(chunked).toContain('def _forward_region0(self: __torch__.ReptileModule, task: int, tasks: int');
    expect(chunked).toContain('for _i in range(_lo, _hi, 64):');
    expect(chunked).toContain('fork(__forked_function)');
    expect(lowerGraph(big).source).not.toContain('for ');
  });
});

describe('in-place updates (donation)', () => {
  const n = 300;
  const specs = [
    { name: 'p', shape: [n], dtype: 'float32' as const },
    { name: 'm', shape: [n], dtype: 'float32' as const },
    { name: 'g', shape: [n], dtype: 'float32' as const },
    { name: 'lr', shape: [], dtype: 'float64' as const },
  ];
  // a momentum step: m' = 0.9 m + g; p' = p − lr·m'
  const step = (p: Tensor, m: Tensor, g: Tensor, lr: Tensor) => {
    const m2 = m.mul(0.9).add(g);
    return { p: p.sub(m2.mul(lr.cast('float32'))), m: m2 };
  };
  const values = () => [randomData(1, n), randomData(2, n), randomData(3, n), new Float64Array([0.1])];
  const expected = (p: Float32Array, m: Float32Array, g: Float32Array) => {
    const m2 = m.map((v, i) => Math.fround(Math.fround(v * Math.fround(0.9)) + g[i]!));
    return { p: p.map((v, i) => Math.fround(v - Math.fround(m2[i]! * Math.fround(0.1)))), m: m2 };
  };

  async function runHeld(graph: ReturnType<typeof trace>, donate: boolean, name: string) {
    const mod = lowerGraph(graph, {
      chunkElements: 32,
      minChunkedSize: 64,
      ...(donate
        ? {
            donate: [
              ['p', 'p'],
              ['m', 'm'],
            ] as const,
          }
        : {}),
    });
    await worker.load(name, writeTorchScriptArchive(mod));
    const [p, m, g, lr] = values();
    await worker.put({
      [`${name}.p`]: { dtype: 'float32', shape: [n], data: p! },
      [`${name}.m`]: { dtype: 'float32', shape: [n], data: m! },
    });
    const out = await worker.run(
      name,
      [
        { held: `${name}.p` },
        { held: `${name}.m` },
        { dtype: 'float32', shape: [n], data: g! },
        { dtype: 'float64', shape: [], data: lr! },
      ],
      // donated: the outputs replace the held inputs; else they are held beside them
      { store: donate ? [`${name}.p`, `${name}.m`] : [`${name}.p2`, `${name}.m2`] },
    );
    const held = await worker.get(donate ? [`${name}.p`, `${name}.m`] : [`${name}.p2`, `${name}.m2`]);
    return { mod, out, held, want: expected(p as Float32Array, m as Float32Array, g as Float32Array) };
  }

  it('updates inside the chunk loop when every reader of the input is in the region', async () => {
    const graph = trace(specs, step);
    const { mod, out, held, want } = await runHeld(graph, true, 'inplace');
    expect(mod.source).not.toContain('.copy_(_v'); // no copy-back at the end: written in the loop
    expect(mod.source).toContain('is updated in place and must be contiguous');
    expect(difference(out[0]!.data, want.p)).toBeUndefined();
    expect(difference(out[1]!.data, want.m)).toBeUndefined();
    expect(difference(held[0]!.data, want.p)).toBeUndefined();
    expect(difference(held[1]!.data, want.m)).toBeUndefined();
  });

  it('copies back at the end when the input is also read elsewhere (a norm of the old params)', async () => {
    const graph = trace(specs, (p, m, g, lr) => {
      const s = step(p, m, g, lr);
      return { p: s.p.add(p.sum().mul(0)), m: s.m }; // p's old values feed a reduction too
    });
    const { mod, held, want } = await runHeld(graph, true, 'copyback');
    expect(mod.source).toMatch(/p\.copy_\(/);
    expect(difference(held[0]!.data, want.p)).toBeUndefined();
    expect(difference(held[1]!.data, want.m)).toBeUndefined();
  });

  it('without donation, the inputs are left untouched', async () => {
    const graph = trace(specs, step);
    const { out, held, want } = await runHeld(graph, false, 'functional');
    const before = values();
    const [p, m] = await worker.get(['functional.p', 'functional.m']);
    expect(difference(p!.data, before[0]!)).toBeUndefined();
    expect(difference(m!.data, before[1]!)).toBeUndefined();
    expect(difference(out[0]!.data, want.p)).toBeUndefined();
    expect(difference(held[1]!.data, want.m)).toBeUndefined();
  });

  it('refuses donations whose dtype or shape differ, naming both', () => {
    const graph = trace(specs, (p, m) => ({ s: p.sum(), m }));
    expect(() => lowerGraph(graph, { donate: [['s', 'p']] })).toThrow(
      /output 's' is float32\[\] but input 'p' is float32\[300\]/,
    );
    expect(() => lowerGraph(graph, { donate: [['x', 'p']] })).toThrow(/no output named 'x'/);
  });
});

describe('calling a lowered module wrongly', () => {
  const graph = trace([{ name: 'x', shape: [2, 3], dtype: 'float32' }], (x) => [x.mul(2)]);

  it('fails with the expected dtype and shape before computing anything', async () => {
    await worker.load('wrong', writeTorchScriptArchive(lowerGraph(graph)));
    await expect(
      worker.run('wrong', [{ dtype: 'float64', shape: [2, 3], data: new Float64Array(6) }]),
    ).rejects.toThrow(/input 'x' must be float32\[2, 3\], got float64\[2, 3\]/);
    await expect(
      worker.run('wrong', [{ dtype: 'float32', shape: [3, 2], data: new Float32Array(6) }]),
    ).rejects.toThrow(/must be float32\[2, 3\], got float32\[3, 2\]/);
    expect(runGraph(graph, [new Float32Array([1, 2, 3, 4, 5, 6])])[0]).toEqual(
      new Float32Array([2, 4, 6, 8, 10, 12]),
    );
  });

  it('rejects a placeholder that is not a declared input', () => {
    const x = Tensor.placeholder('x', [2]);
    const y = Tensor.placeholder('y', [2]);
    expect(() => lowerGraph({ inputs: [x.node], outputs: [x.add(y).node], outputNames: ['o'] })).toThrow(
      /placeholder 'y' is used by the graph but is not one of its inputs/,
    );
  });
});
