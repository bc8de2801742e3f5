import type { TypedArray } from '../dtype.ts';
import type { Node } from '../ir/node.ts';
import { ReferenceBackend } from '../reference/backend.ts';

/**
 * A frontend that evaluates IR graphs. Eager backends (reference, tfjs) interpret node by node;
 * graph backends (ONNX, TorchScript) lower the whole graph. Leaves are constants, nodes with a
 * cached host value, and `input` placeholders bound in `bindings`.
 */
export interface Backend {
  readonly name: string;
  run(outputs: readonly Node[], bindings?: ReadonlyMap<Node, TypedArray>): TypedArray[];
}

let current: Backend | undefined;

/** The backend `Tensor.data()` uses; the reference backend unless `setBackend` chose another. */
export function getBackend(): Backend {
  current ??= new ReferenceBackend();
  return current;
}

export function setBackend(backend: Backend): void {
  current = backend;
}
