import { type DType, grad, Tensor } from '@reptile/core';
import { BOOLS, grid, INT_MAX, INTS, type OpCase, type OpCaseTable, vec } from './op-case-values.ts';

const cube = (dtype: DType = 'float32') =>
  Tensor.fromData(
    Array.from({ length: 24 }, (_, i) => ((i * 5) % 7) - 3 + (dtype === 'int32' ? 0 : 0.25)),
    [2, 3, 4],
    dtype,
  );

const withNaN = () =>
  Tensor.fromData([1, 5, Number.NaN, 2, -1, 7, 3, 3, -Infinity, 9, Number.NaN, 0], [3, 4]);

const reduction = (fn: 'sum' | 'max' | 'min'): OpCase[] => [
  { name: 'all axes', build: () => [cube()[fn]()] },
  { name: 'axes [0,2]', build: () => [cube()[fn]([0, 2])] },
  { name: 'axis 1 keepDims', build: () => [cube('float64')[fn](1, true)] },
  { name: 'int32', build: () => [cube('int32')[fn]([1])] },
  { name: 'NaN propagates', build: () => [withNaN()[fn](1), withNaN()[fn](0)] },
];

/** Reductions, movement, matmul and convolution. */
export const STRUCTURAL_CASES = {
  sum: [
    ...reduction('sum'),
    {
      name: 'int32 wraps',
      build: () => [
        vec([INT_MAX, 1, INT_MAX, INT_MAX], 'int32').sum(),
        vec([INT_MAX, INT_MAX, 1], 'int32').sum(),
      ],
    },
    {
      // the reference accumulates from +0, onnxruntime's ReduceSum would keep the −0
      name: 'a sum of −0s is +0',
      build: () => [
        vec([-0, -0, -0]).sum(),
        Tensor.fromData([-0, -0, -0, 1, -0, -1], [2, 3], 'float64').sum(1),
        vec([-0, 0, -0]).sum(0, true),
      ],
    },
    {
      name: 'empty axis gives 0',
      build: () => [Tensor.zeros([0, 3]).sum(0), Tensor.zeros([2, 0], 'int32').sum(1)],
    },
    {
      name: 'float32 accumulates in float64',
      build: () => [Tensor.full([1000], 0.1).sum(), Tensor.fromData([1e8, 1, -1e8, 1], [4]).sum()],
    },
  ],
  max: reduction('max'),
  min: reduction('min'),
  argmax: [
    {
      name: 'first maximum',
      build: () => [vec([1, 3, 3, 2]).argMax(), cube().argMax(1), cube('int32').argMax(2)],
    },
    {
      name: 'NaN is the maximum, first wins',
      build: () => [withNaN().argMax(1), withNaN().argMax(0), vec([5, Number.NaN, 1, Number.NaN]).argMax()],
    },
    { name: 'all −∞', build: () => [vec([-Infinity, -Infinity]).argMax()] },
  ],
  reshape: [
    { name: 'float32', build: () => [cube().reshape([4, 6]), cube().reshape([24])] },
    { name: 'empty with zero dims', build: () => [Tensor.zeros([0, 3]).reshape([3, 0]).add(1)] },
    { name: 'bool', build: () => [vec(BOOLS, 'bool').reshape([2, 4])] },
  ],
  transpose: [
    { name: '3-D perm', build: () => [cube().transpose([2, 0, 1]), cube('int32').transpose()] },
    { name: 'bool', build: () => [vec(BOOLS, 'bool').reshape([2, 4]).transpose()] },
  ],
  expand: [
    { name: 'size-1 dims', build: () => [vec([1, 2, 3]).reshape([3, 1]).broadcastTo([2, 3, 4])] },
    {
      name: 'scalar, int32 and bool',
      build: () => [Tensor.full([2, 2], 7, 'int32'), Tensor.full([3], 1, 'bool')],
    },
    { name: 'to an empty shape', build: () => [vec([1, 2]).reshape([2, 1]).broadcastTo([2, 0])] },
  ],
  slice: [
    {
      name: 'interior',
      build: () => [cube().slice([1, 0, 1], [2, 2, 4]), cube('int32').slice([0, 1], [1, 3])],
    },
    { name: 'empty', build: () => [cube().slice([0, 1, 0], [2, 1, 4])] },
  ],
  concat: [
    { name: 'axis 1', build: () => [Tensor.concat([cube(), cube().mul(2)], 1)] },
    {
      name: 'with an empty part',
      build: () => [Tensor.concat([vec([1, 2], 'int32'), vec([], 'int32'), vec([3], 'int32')], 0)],
    },
    { name: 'bool', build: () => [Tensor.concat([vec(BOOLS, 'bool'), vec([1, 0], 'bool')], 0)] },
  ],
  pad: [
    {
      name: 'float value',
      build: () => [
        cube().pad(
          [
            [0, 1],
            [2, 0],
            [1, 1],
          ],
          -1.5,
        ),
      ],
    },
    {
      name: 'int32 and bool',
      build: () => [vec(INTS, 'int32').pad([[1, 2]], 9), vec(BOOLS, 'bool').pad([[2, 1]], 1)],
    },
    {
      name: 'empty input',
      build: () => [Tensor.zeros([0]).pad([[1, 1]], Number.NaN), vec([], 'int32').pad([[0, 2]], 3)],
    },
  ],
  matmul: [
    {
      name: 'float32 2-D',
      build: () => [
        grid(6, 'float32', 0.1)
          .reshape([2, 3])
          .matmul(grid(12).reshape([3, 4])),
      ],
    },
    { name: 'batched float64', build: () => [cube('float64').matmul(cube('float64').transpose([0, 2, 1]))] },
    {
      name: 'int32 wraps',
      build: () => [
        vec([65536, 65536], 'int32')
          .reshape([1, 2])
          .matmul(vec([65536, 1], 'int32').reshape([2, 1])),
      ],
    },
    { name: 'empty inner dim gives zeros', build: () => [Tensor.zeros([2, 0]).matmul(Tensor.zeros([0, 3]))] },
  ],
  // Frontends convolve with their own kernels, summing in their own order (and float32 in
  // float32): operands are small multiples of 1/4, so every order gives the exact result and
  // the comparison checks the geometry bit for bit.
  conv2d: [
    {
      name: 'float32 3x3, same pads',
      build: () => [
        grid(2 * 3 * 5 * 5, 'float32', 0.25)
          .reshape([2, 3, 5, 5])
          .conv2d(grid(4 * 3 * 9, 'float32', 0.25).reshape([4, 3, 3, 3]), {
            pads: [
              [1, 1],
              [1, 1],
            ],
          }),
      ],
    },
    {
      name: 'float64 strides, dilations, asymmetric pads, groups',
      build: () => [
        grid(1 * 4 * 7 * 6, 'float64', 0.5)
          .reshape([1, 4, 7, 6])
          .conv2d(grid(6 * 2 * 3 * 2, 'float64', 0.25).reshape([6, 2, 3, 2]), {
            strides: [2, 1],
            dilations: [1, 2],
            pads: [
              [2, 0],
              [0, 1],
            ],
            groups: 2,
          }),
      ],
    },
    {
      name: 'gradients (transposed and weight convolutions)',
      build: () => {
        const x = grid(2 * 2 * 6 * 6, 'float32', 0.5).reshape([2, 2, 6, 6]);
        const w = grid(4 * 1 * 3 * 3, 'float32', 0.25).reshape([4, 1, 3, 3]);
        const y = x.conv2d(w, {
          strides: 2,
          pads: [
            [1, 0],
            [1, 1],
          ],
          groups: 2,
        });
        return grad(y.mul(grid(y.size, 'float32', 0.25).reshape(y.shape)).sum(), [x, w]);
      },
    },
    {
      name: 'NaN and Inf propagate',
      build: () => [
        vec([Number.NaN, 1, Number.POSITIVE_INFINITY, 2, 3, -1], 'float32')
          .reshape([1, 1, 2, 3])
          .conv2d(vec([0, 1], 'float32').reshape([1, 1, 1, 2])),
      ],
    },
  ],
} satisfies OpCaseTable;
