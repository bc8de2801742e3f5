import {
  flattenState,
  grad,
  optimizerFromConfig,
  ReferenceBackend,
  realize,
  runGraph,
  Tensor,
  trace,
} from '@reptile/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lowerToModel } from '../lower/lower.ts';
import { expectSame, reference, runOn } from '../testing/compare.ts';
import { OnnxBackend } from './backend.ts';
import { CompiledGraph } from './compiled.ts';

describe('OnnxBackend', () => {
  it('runs a traced graph with placeholders bound by runGraph', () => {
    const g = trace(
      [
        { name: 'x', shape: [2, 3], dtype: 'float32' },
        { name: 'k', shape: [], dtype: 'int32' },
      ],
      (x, k) => ({ y: x!.mul(x!).sum(1), z: k!.add(1) }),
    );
    const onnx = new OnnxBackend();
    const [y, z] = runGraph(g, [Float32Array.from([1, 2, 3, 4, 5, 6]), Int32Array.of(41)], onnx);
    expect(Array.from(y!)).toEqual([14, 77]);
    expect(Array.from(z!)).toEqual([42]);
  });

  it('builds one session for a training loop: parameter and lr values are inputs, not structure', () => {
    const onnx = new OnnxBackend();
    const opt = optimizerFromConfig({ name: 'adam', lr: { name: 'exponential', initial: 0.1, gamma: 0.5 } });
    let p = [Tensor.fromData([1, -2, 3], [3])];
    let state = opt.init(p);
    const counts: number[] = [];
    for (let s = 0; s < 5; s++) {
      const [g] = grad(p[0]!.mul(p[0]!).sum(), p);
      const next = opt.step(p, [g!], state);
      // params and state realised together, as core's Trainer does: one run per step
      realize([...next.params, ...flattenState(next.state.inner).map((l) => l.tensor)], onnx);
      p = next.params;
      state = next.state;
      counts.push(onnx.compiledCount);
    }
    // step 1 reads zero-initialised state (a broadcast constant), later steps read realised state
    expect(counts[4]).toBe(counts[1]);
    expect(counts[4]).toBeLessThanOrEqual(2);
  });

  it('returns leaves and repeated outputs without recomputing them', () => {
    const onnx = new OnnxBackend();
    const c = Tensor.fromData([1, 2], [2]);
    const y = c.add(1);
    const out = onnx.run([c.node, y.node, y.node]);
    expect(out.map((a) => Array.from(a))).toEqual([
      [1, 2],
      [2, 3],
      [2, 3],
    ]);
  });

  it('evicts the least recently used session beyond maxCachedGraphs', () => {
    const onnx = new OnnxBackend({ maxCachedGraphs: 2 });
    const x = () => Tensor.fromData([1, 2], [2]);
    for (const f of [
      (t: Tensor) => t.add(1),
      (t: Tensor) => t.mul(2),
      (t: Tensor) => t.sub(3),
      (t: Tensor) => t.add(1),
    ]) {
      realize([f(x())], onnx);
    }
    expect(onnx.compiledCount).toBe(4); // add was evicted by sub, so it compiled again
    expect(() => new OnnxBackend({ maxCachedGraphs: 0 })).toThrow(/maxCachedGraphs must be an integer ≥ 1/);
  });

  it('checks bindings against the graph before onnxruntime sees them', () => {
    const onnx = new OnnxBackend();
    const x = Tensor.placeholder('x', [3]);
    const y = x.add(1);
    expect(() => onnx.run([y.node])).toThrow(/graph input 'x' was not given a value/);
    expect(() => onnx.run([y.node], new Map([[x.node, new Float32Array(2)]]))).toThrow(
      /input 'x' has 2 values, its shape \[3\] needs 3/,
    );
    expect(() => onnx.run([y.node], new Map([[x.node, new Float64Array(3)]]))).toThrow(
      /input 'x' is float32 but was bound to a Float64Array/,
    );
  });

  it('runAsync (public onnxruntime API) gives the same values as run', async () => {
    const onnx = new OnnxBackend();
    const build = () => [Tensor.fromData([0.5, -1, 2], [3]).exp().mul(3).sum()];
    const sync = runOn(build, onnx);
    const asyncValues = await onnx.runAsync(build().map((t) => t.node));
    expect(Array.from(asyncValues[0]!)).toEqual(Array.from(sync[0]!));
  });

  it('passes session options through (threads, execution providers)', () => {
    const onnx = new OnnxBackend({ intraOpNumThreads: 1, interOpNumThreads: 1, executionProviders: ['cpu'] });
    expect(Array.from(runOn(() => [Tensor.fromData([1, 2], [2]).add(1)], onnx)[0]!)).toEqual([2, 3]);
  });
});

describe('CompiledGraph errors', () => {
  const x = Tensor.placeholder('x', [4]);
  const { model, origin } = lowerToModel({
    outputs: [x.reshape([2, 2]).node],
    outputNames: ['y'],
    inputs: [{ node: x.node, name: 'x' }],
  });

  it('names the input whose count, dtype or size is wrong', () => {
    const g = new CompiledGraph(
      model,
      [{ name: 'x', dtype: 'float32', shape: [4] }],
      [{ name: 'y', dtype: 'float32', shape: [2, 2] }],
      origin,
    );
    expect(() => g.runSync([])).toThrow(/takes 1 inputs \(x\), got 0/);
    expect(() => g.runSync([new Int32Array(4)])).toThrow(
      /'x' is float32 and needs a Float32Array, got Int32Array/,
    );
    expect(() => g.runSync([new Float32Array(5)])).toThrow(/'x' has 5 values but its shape \[4\] needs 4/);
    g.release();
  });

  it('wraps an onnxruntime failure with the ONNX node, the Reptile op and its tensors', () => {
    // Corrupt the Reshape's target so onnxruntime fails inside that node at run time.
    const broken = structuredClone(model);
    const reshape = broken.graph.node.find((n) => n.op_type === 'Reshape')!;
    const target = broken.graph.initializer.find((t) => t.name === reshape.input[1])!;
    target.raw_data = new Uint8Array(new BigInt64Array([3n, 3n]).buffer);
    broken.graph.output[0]!.type.tensor_type.shape.dim = [];
    const g = new CompiledGraph(
      broken,
      [{ name: 'x', dtype: 'float32', shape: [4] }],
      [{ name: 'y', dtype: 'float32', shape: [2, 2] }],
      origin,
    );
    let message = '';
    try {
      g.runSync([new Float32Array(4)]);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(
      /onnxruntime failed in ONNX node 'reshape_1\/Reshape' \(Reshape, lowering reshape float32\[2,2\]/,
    );
    expect(message).toMatch(/inputs x, const_i64 → outputs y/);
    g.release();
  });
});

describe('property: ONNX agrees with the reference bit for bit on IEEE-exact ops', () => {
  // +, −, ×, ÷, sqrt, abs, max, where and casts are correctly rounded in both, so any chain of
  // them must give identical bits (NaN and signed zeros included).
  const chain: ((x: Tensor, y: Tensor) => Tensor)[] = [
    (x, y) => x.add(y),
    (x, y) => x.mul(y),
    (x, y) => x.sub(y.mul(0.3)),
    (x, y) => x.div(y.abs().add(1)),
    (x) => x.abs().sqrt(),
    (x, y) => Tensor.where(x.gt(y), x, y.neg()),
    (x, y) => x.maximum(y),
    (x, y) => x.minimum(y.add(0.5)),
  ];
  const onnx = new OnnxBackend();
  it('float32 and float64 elementwise chains', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ noNaN: false }), { minLength: 1, maxLength: 16 }),
        fc.array(fc.nat(chain.length - 1), { minLength: 1, maxLength: 6 }),
        fc.constantFrom('float32' as const, 'float64' as const),
        (values, ops, dtype) => {
          const build = () => {
            const x = Tensor.fromData(values, [values.length], dtype);
            const y = Tensor.fromData(
              values.map((v) => v * 0.5 - 1),
              [values.length],
              dtype,
            );
            return [ops.reduce((acc, k) => chain[k]!(acc, y), x)];
          };
          expectSame(runOn(build, onnx)[0]!, runOn(build, reference)[0]!, 'chain');
        },
      ),
      { numRuns: 150 },
    );
  });

  it('int32 add, mul, div and float → int32 casts wrap, truncate and saturate alike', () => {
    const int = fc.integer({ min: -2147483648, max: 2147483647 });
    fc.assert(
      fc.property(fc.array(fc.tuple(int, int, fc.double()), { minLength: 1, maxLength: 16 }), (rows) => {
        const build = () => {
          const a = Tensor.fromData(
            rows.map((r) => r[0]),
            [rows.length],
            'int32',
          );
          const b = Tensor.fromData(
            rows.map((r) => r[1]),
            [rows.length],
            'int32',
          );
          const d = Tensor.fromData(
            rows.map((r) => r[2]),
            [rows.length],
            'float64',
          );
          return [a.add(b), a.mul(b), a.div(b), a.sub(b).sum(), d.cast('int32')];
        };
        const want = runOn(build, new ReferenceBackend());
        runOn(build, onnx).forEach((g, i) => {
          expectSame(g, want[i]!, `int32 #${i}`);
        });
      }),
      { numRuns: 150 },
    );
  });

  it('reductions (sum in float64, max/min with NaN, argmax first-NaN) over random shapes and axes', () => {
    const dims = fc.integer({ min: 1, max: 5 });
    // Sums use dyadic values (k/1024, |k| < 2^20): every partial sum is exact in double, so the
    // result cannot depend on summation order. Max/min/argmax take any float32, NaN and ±∞ included.
    const dyadic = fc.integer({ min: -(2 ** 20), max: 2 ** 20 }).map((k) => k / 1024);
    fc.assert(
      fc.property(
        dims,
        dims,
        fc.array(fc.float(), { minLength: 25, maxLength: 25 }),
        fc.array(dyadic, { minLength: 25, maxLength: 25 }),
        fc.constantFrom(0, 1),
        (rows, cols, pool, exact, axis) => {
          const build = () => {
            const x = Tensor.fromData(pool.slice(0, rows * cols), [rows, cols]);
            const d = Tensor.fromData(exact.slice(0, rows * cols), [rows, cols]);
            return [x.max(axis, true), x.min(axis), x.argMax(axis), d.sum(axis), d.sum()];
          };
          const want = runOn(build, reference);
          runOn(build, onnx).forEach((g, i) => {
            expectSame(g, want[i]!, `reduction #${i}`);
          });
        },
      ),
      { numRuns: 100 },
    );
  });
});
