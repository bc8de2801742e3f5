import { type DType, ReferenceBackend, Tensor } from '@reptile/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scalarKernel } from './host-scalar.ts';

/**
 * The plan evaluates per-step scalar chains with host-scalar.ts instead of the reference
 * backend; both must agree bit for bit (NaN, ±0 and int32 wrapping included).
 */
const reference = new ReferenceBackend();
const EDGE = [
  0,
  -0,
  1,
  -1,
  0.1,
  -2.5,
  3,
  1e-30,
  1e30,
  2147483647,
  -2147483648,
  Number.NaN,
  Infinity,
  -Infinity,
];

function check(build: (xs: Tensor[]) => Tensor, inputs: { dtype: DType; value: number }[]): void {
  const xs = inputs.map((x) => Tensor.scalar(x.value, x.dtype));
  const out = build(xs);
  const kernel = scalarKernel(out.node);
  expect(kernel, `no scalar kernel for ${out.node.op.kind}`).toBeDefined();
  const [want] = reference.run([out.node]);
  const values = out.node.inputs.map((n) => reference.run([n])[0]![0]!);
  const got = kernel!(values[0] ?? 0, values[1] ?? 0, values[2] ?? 0);
  expect(Object.is(got, want![0]), `${out.node.op.kind} of ${values}: ${got} vs ${want![0]}`).toBe(true);
}

const value = fc.oneof(fc.constantFrom(...EDGE), fc.double(), fc.integer());
const FLOAT_UNARY = ['neg', 'exp', 'log', 'sqrt', 'abs', 'sign', 'sin', 'cos', 'floor', 'ceil'] as const;
const BINARY = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum'] as const;
const COMPARE = ['lt', 'le', 'gt', 'ge', 'eq', 'ne'] as const;

describe('scalarKernel agrees with the reference backend', () => {
  it.each(['float32', 'float64'] as const)('unary, binary and compare ops in %s', (dtype) => {
    fc.assert(
      fc.property(
        value,
        value,
        fc.constantFrom(...FLOAT_UNARY),
        fc.constantFrom(...BINARY),
        fc.constantFrom(...COMPARE),
        (a, b, u, bin, cmp) => {
          const inputs = [
            { dtype, value: a },
            { dtype, value: b },
          ];
          check(([x]) => x![u](), inputs.slice(0, 1));
          check(([x, y]) => x![bin](y!), inputs);
          check(([x, y]) => x![cmp](y!), inputs);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('int32 arithmetic wraps like the reference', () => {
    const int = fc.oneof(
      fc.integer({ min: -2147483648, max: 2147483647 }),
      fc.constantFrom(0, -1, 2147483647, -2147483648),
    );
    fc.assert(
      fc.property(
        int,
        int,
        fc.constantFrom('add', 'sub', 'mul', 'div', 'maximum', 'minimum') as fc.Arbitrary<'add'>,
        (a, b, op) => {
          check(
            ([x, y]) => x![op](y!),
            [
              { dtype: 'int32', value: a },
              { dtype: 'int32', value: b },
            ],
          );
          check(([x]) => x!.neg(), [{ dtype: 'int32', value: a }]);
          check(([x]) => x!.abs(), [{ dtype: 'int32', value: a }]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('casts, where, logic, reductions and movement of one element', () => {
    fc.assert(
      fc.property(value, fc.constantFrom<DType>('float32', 'float64', 'int32', 'bool'), (a, to) => {
        // (a cast to the tensor's own dtype builds no node)
        if (to !== 'float64') check(([x]) => x!.cast(to), [{ dtype: 'float64', value: a }]);
        if (to !== 'float32') check(([x]) => x!.cast(to), [{ dtype: 'float32', value: Math.fround(a) }]);
      }),
      { numRuns: 200 },
    );
    check(([x]) => x!.cast('int32'), [{ dtype: 'bool', value: 1 }]);
    check(
      ([c, a, b]) => Tensor.where(c!, a!, b!),
      [
        { dtype: 'bool', value: 0 },
        { dtype: 'float32', value: 2 },
        { dtype: 'float32', value: 3 },
      ],
    );
    check(
      ([a, b]) => a!.logicalAnd(b!),
      [
        { dtype: 'bool', value: 1 },
        { dtype: 'bool', value: 0 },
      ],
    );
    check(
      ([a, b]) => a!.logicalOr(b!),
      [
        { dtype: 'bool', value: 1 },
        { dtype: 'bool', value: 0 },
      ],
    );
    check(([a]) => a!.logicalNot(), [{ dtype: 'bool', value: 1 }]);
    for (const v of [-0, Number.NaN, 2.5]) {
      check(([x]) => x!.reshape([1, 1]).sum(), [{ dtype: 'float32', value: v }]);
      check(([x]) => x!.reshape([1]).max(), [{ dtype: 'float32', value: v }]);
      check(([x]) => x!.reshape([1]).argMax(), [{ dtype: 'float32', value: v }]);
      check(([x]) => x!.reshape([1, 1]).transpose(), [{ dtype: 'float32', value: v }]);
      check(
        ([x, y]) => x!.reshape([1, 1]).matmul(y!.reshape([1, 1])),
        [
          { dtype: 'float32', value: v },
          { dtype: 'float32', value: 3 },
        ],
      );
    }
  });

  it('declines what it does not cover', () => {
    expect(scalarKernel(Tensor.fromData([1, 2], [2]).sum().node)).toBeUndefined();
  });
});
