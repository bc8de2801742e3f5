import type { DType, TypedArray } from '../dtype.ts';
import type { Shape } from '../shape.ts';

/**
 * The primitives every Reptile program lowers to. Everything else (relu, softmax, every loss and
 * optimizer) is composition of these, so a frontend that implements this list runs all of Reptile.
 * Elementwise primitives take operands of identical shape: broadcasting is made explicit by the
 * Tensor layer with `reshape` + `expand`, so gradients reduce broadcast axes in one place (expand).
 */
export const UNARY_FNS = [
  'neg',
  'exp',
  'log',
  'sqrt',
  'abs',
  'sign',
  'sin',
  'cos',
  'floor',
  'ceil',
  'not',
] as const;
export const BINARY_FNS = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'and', 'or'] as const;
export const COMPARE_FNS = ['lt', 'le', 'gt', 'ge', 'eq', 'ne'] as const;
export const REDUCE_FNS = ['sum', 'max', 'min', 'argmax'] as const;

export type UnaryFn = (typeof UNARY_FNS)[number];
export type BinaryFn = (typeof BINARY_FNS)[number];
export type CompareFn = (typeof COMPARE_FNS)[number];
export type ReduceFn = (typeof REDUCE_FNS)[number];

export type Op =
  /** A leaf holding host data (row-major, in the node's dtype). */
  | { readonly kind: 'constant'; readonly data: TypedArray }
  /** A named placeholder, bound when a traced graph is run. */
  | { readonly kind: 'input'; readonly name: string }
  | { readonly kind: 'unary'; readonly fn: UnaryFn }
  | { readonly kind: 'binary'; readonly fn: BinaryFn }
  | { readonly kind: 'compare'; readonly fn: CompareFn }
  /** where(cond: bool, a, b) */
  | { readonly kind: 'where' }
  /** argmax takes exactly one axis and yields int32. */
  | {
      readonly kind: 'reduce';
      readonly fn: ReduceFn;
      readonly axes: readonly number[];
      readonly keepDims: boolean;
    }
  | { readonly kind: 'reshape'; readonly shape: Shape }
  | { readonly kind: 'transpose'; readonly perm: readonly number[] }
  /** Broadcast size-1 dims to `shape` (same rank). */
  | { readonly kind: 'expand'; readonly shape: Shape }
  /** Contiguous slice [begin, end) per axis. */
  | { readonly kind: 'slice'; readonly begin: readonly number[]; readonly end: readonly number[] }
  | { readonly kind: 'concat'; readonly axis: number }
  /** Constant padding: pads[i] = [before, after] for axis i. */
  | { readonly kind: 'pad'; readonly pads: readonly (readonly [number, number])[]; readonly value: number }
  /** [..., m, k] x [..., k, n] with identical batch dims. */
  | { readonly kind: 'matmul' }
  /**
   * 2-D cross-correlation (what every framework calls convolution): x [N, C, H, W] and weights
   * [O, C/groups, KH, KW] give [N, O, OH, OW]. Zero padding: pads[0] = [top, bottom], pads[1] =
   * [left, right]. Group g reads input channels [g·C/G, (g+1)·C/G) and writes outputs
   * [g·O/G, (g+1)·O/G). Float only; float32 accumulates in float64 as matmul does.
   */
  | {
      readonly kind: 'conv2d';
      readonly strides: readonly [number, number];
      readonly dilations: readonly [number, number];
      readonly pads: readonly [readonly [number, number], readonly [number, number]];
      readonly groups: number;
    }
  | { readonly kind: 'cast'; readonly to: DType };

export type OpKind = Op['kind'];

/** One name per primitive: the key of the gradient table and of every backend's kernel table. */
export type PrimName =
  | UnaryFn
  | BinaryFn
  | CompareFn
  | ReduceFn
  | Exclude<OpKind, 'unary' | 'binary' | 'compare' | 'reduce'>;

export function primName(op: Op): PrimName {
  switch (op.kind) {
    case 'unary':
    case 'binary':
    case 'compare':
    case 'reduce':
      return op.fn;
    default:
      return op.kind;
  }
}

export const ALL_PRIMS: readonly PrimName[] = [
  ...UNARY_FNS,
  ...BINARY_FNS,
  ...COMPARE_FNS,
  ...REDUCE_FNS,
  'constant',
  'input',
  'where',
  'reshape',
  'transpose',
  'expand',
  'slice',
  'concat',
  'pad',
  'matmul',
  'conv2d',
  'cast',
];

/** Elementwise ops: same-size operands, output index i depends only on input index i. */
export function isElementwise(op: Op): boolean {
  return (
    op.kind === 'unary' ||
    op.kind === 'binary' ||
    op.kind === 'compare' ||
    op.kind === 'where' ||
    op.kind === 'cast'
  );
}
