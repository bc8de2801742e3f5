export { ReptileError } from './errors.ts';
export type { DType, TypedArray } from './dtype.ts';
export { DTYPES, isFloat } from './dtype.ts';
export type { Shape } from './shape.ts';
export { broadcastShapes, sizeOf } from './shape.ts';
export { Node, topoSort } from './ir/node.ts';
export type { Op, PrimName } from './ir/op.ts';
export { ALL_PRIMS, primName } from './ir/op.ts';
export { Tensor, realize, materialize } from './tensor/tensor.ts';
export type { TensorLike } from './tensor/tensor.ts';
export * as ops from './tensor/composite.ts';
export { trace, runGraph, graphSignature } from './tensor/trace.ts';
export type { Graph, TensorSpec } from './tensor/trace.ts';
export { grad, valueAndGrad } from './autodiff/grad.ts';
export { GRAD_RULES } from './autodiff/rules.ts';
export type { Backend } from './backend/backend.ts';
export { getBackend, setBackend } from './backend/backend.ts';
export { ReferenceBackend } from './reference/backend.ts';

