import type { Case } from './case.ts';
import type { HostTensor } from './host-tensor.ts';

/**
 * What a frontend implements to join the conformance matrix (cf. ONNX backend tests' prepare/run):
 * host tensors in, host tensors out. Async so out-of-process frontends (ONNX runtime, a PyTorch
 * worker) fit. Configs are passed through as the case's JSON; the adapter validates them.
 */
export interface ConformanceAdapter {
  readonly name: string;
  /** undefined if the adapter can run the case, else why it is skipped (a skip never counts as a pass). */
  skipReason?(c: Case): string | undefined;
  /** Params after each step: result[step][param]. */
  optimizer(
    config: unknown,
    params: readonly HostTensor[],
    grads: readonly (readonly HostTensor[])[],
  ): Promise<HostTensor[][]>;
  /** The reduced (or per-element) value, and the gradient of its sum with respect to yPred. */
  loss(
    config: unknown,
    yTrue: HostTensor,
    yPred: HostTensor,
  ): Promise<{ value: HostTensor; gradYPred: HostTensor }>;
  regularizer(config: unknown, weights: HostTensor): Promise<{ value: HostTensor; grad: HostTensor }>;
  schedule(config: unknown, steps: readonly number[]): Promise<number[]>;
  /** Every replica after each step: result[step][worker][param]. */
  zookeeper(
    config: unknown,
    workers: number,
    params: readonly HostTensor[],
    grads: readonly (readonly (readonly HostTensor[])[])[],
  ): Promise<HostTensor[][][]>;
}
