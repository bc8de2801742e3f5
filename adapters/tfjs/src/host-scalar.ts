import { castScalar, type DType, type Node } from '@reptile/core';

/**
 * One primitive on one-element host values, with exactly the reference backend's arithmetic
 * (packages/core/src/reference/fusion.ts and kernels.ts): float32 results rounded with
 * Math.fround, int32 wrapping, casts by core's castScalar. The plan evaluates the per-step
 * scalar chain (bias corrections from the step count, the scheduled lr) this way, instead of a
 * reference-backend run per step; host-scalar.test.ts checks it against the reference backend
 * for every primitive. `scalarKernel` specialises one node into a closure once, at plan time,
 * and returns undefined for anything it does not cover (the plan then uses the reference
 * backend).
 */
export type ScalarKernel = (a: number, b: number, c: number) => number;

export function scalarKernel(node: Node): ScalarKernel | undefined {
  if (node.size !== 1 || node.inputs.some((i) => i.size !== 1)) return undefined;
  const op = node.op;
  const dtype = node.dtype;
  const round = (v: number) => roundTo(dtype, v);
  const int = dtype === 'int32';
  switch (op.kind) {
    case 'reshape':
    case 'expand':
    case 'transpose':
    case 'slice':
    case 'pad':
    case 'concat':
      return (a) => a;
    case 'cast': {
      if (op.to === 'int32' && node.inputs[0]!.dtype === 'bool') return (a) => a;
      const cast = castScalar(op.to);
      return (a) => cast(a);
    }
    case 'where':
      return (a, b, c) => (a !== 0 ? b : c);
    case 'compare':
      switch (op.fn) {
        case 'lt':
          return (a, b) => (a < b ? 1 : 0);
        case 'le':
          return (a, b) => (a <= b ? 1 : 0);
        case 'gt':
          return (a, b) => (a > b ? 1 : 0);
        case 'ge':
          return (a, b) => (a >= b ? 1 : 0);
        case 'eq':
          return (a, b) => (a === b ? 1 : 0);
        case 'ne':
          return (a, b) => (a !== b ? 1 : 0);
      }
      return undefined;
    case 'unary':
      switch (op.fn) {
        case 'neg':
          return int ? (a) => -a | 0 : (a) => -a;
        case 'abs':
          return int ? (a) => Math.abs(a) | 0 : (a) => Math.abs(a);
        case 'sign':
          return (a) => Math.sign(a);
        case 'floor':
          return (a) => Math.floor(a);
        case 'ceil':
          return (a) => Math.ceil(a);
        case 'not':
          return (a) => (a !== 0 ? 0 : 1);
        default: {
          const fn = Math[op.fn];
          return (a) => round(fn(a));
        }
      }
    case 'binary':
      switch (op.fn) {
        case 'add':
          return (a, b) => round(a + b);
        case 'sub':
          return (a, b) => round(a - b);
        case 'mul':
          return int ? (a, b) => Math.imul(a, b) : (a, b) => round(a * b);
        case 'div':
          return (a, b) => round(a / b);
        case 'pow':
          return (a, b) => round(a ** b);
        case 'maximum':
          return (a, b) => Math.max(a, b);
        case 'minimum':
          return (a, b) => Math.min(a, b);
        case 'and':
          return (a, b) => a & b;
        case 'or':
          return (a, b) => a | b;
      }
      return undefined;
    case 'reduce':
      // One element: the reference's float64 accumulator starts at +0 for sum (so −0 sums to
      // +0) and at ∓∞ for max/min; argmax of one element is 0.
      if (op.fn === 'argmax') return () => 0;
      return op.fn === 'sum' ? (a) => round(0 + a) : (a) => round(a);
    case 'matmul':
      return (a, b) => round(0 + a * b);
    default:
      return undefined;
  }
}

function roundTo(dtype: DType, v: number): number {
  if (dtype === 'float32') return Math.fround(v);
  if (dtype === 'int32') return v | 0;
  return v;
}
