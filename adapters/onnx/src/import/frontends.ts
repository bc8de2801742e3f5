import { ReferenceBackend, ReptileError, realize, type Tensor, type TypedArray } from '@reptile/core';

/** Frontends the node-test sweep can realise the importer's tensors on. */
export const NODE_TEST_FRONTENDS = ['reference', 'tfjs-cpu', 'onnx', 'torch'] as const;
export type NodeTestFrontend = (typeof NODE_TEST_FRONTENDS)[number];

/** Realises lazy tensors on one frontend; `close` releases its runtime (the torch worker). */
export interface Evaluator {
  readonly name: NodeTestFrontend;
  evaluate(tensors: readonly Tensor[]): Promise<TypedArray[]>;
  close(): Promise<void>;
}

/**
 * Creates the frontend's backend. Frontend adapters are imported only when chosen (by relative
 * path, so their runtimes resolve from their own packages and this package gains no dependency).
 */
export async function createEvaluator(frontend: NodeTestFrontend): Promise<Evaluator> {
  switch (frontend) {
    case 'reference': {
      const backend = new ReferenceBackend();
      return { name: frontend, evaluate: async (ts) => realize(ts, backend), close: async () => {} };
    }
    case 'tfjs-cpu': {
      const { selectBackend } = await import('../../../tfjs/src/conformance-driver.ts');
      const { TfjsBackend } = await import('../../../tfjs/src/backend.ts');
      await selectBackend('cpu');
      const backend = new TfjsBackend();
      return { name: frontend, evaluate: async (ts) => realize(ts, backend), close: async () => {} };
    }
    case 'onnx': {
      const { OnnxBackend } = await import('../runtime/backend.ts');
      const backend = new OnnxBackend();
      return { name: frontend, evaluate: async (ts) => realize(ts, backend), close: async () => {} };
    }
    case 'torch': {
      const { torchUnavailableReason } = await import('../../../torch/src/bridge/availability.ts');
      const reason = torchUnavailableReason();
      if (reason !== undefined) throw new ReptileError(reason, { where: 'torch frontend' });
      const { TorchWorker } = await import('../../../torch/src/bridge/worker.ts');
      const { TorchBackend, realizeAsync } = await import('../../../torch/src/backend/torch-backend.ts');
      const worker = new TorchWorker({ timeoutMs: 120_000 });
      const backend = new TorchBackend(worker);
      return { name: frontend, evaluate: (ts) => realizeAsync(ts, backend), close: () => worker.close() };
    }
  }
}
