import { type DType, fail, ReferenceBackend, realize, Tensor, type TypedArray } from '@reptile/core';

/** Where `reptile run` evaluates a model: the four frontends of the tensor protocol. */
export const RUN_FRONTENDS = ['reference', 'tfjs', 'onnx', 'torch'] as const;
export type RunFrontend = (typeof RUN_FRONTENDS)[number];

export function parseFrontend(name: string, where: string): RunFrontend {
  if (!(RUN_FRONTENDS as readonly string[]).includes(name))
    fail(`unknown frontend '${name}'`, { where, hint: `use one of ${RUN_FRONTENDS.join(', ')}` });
  return name as RunFrontend;
}

/**
 * Evaluates lazy protocol tensors on one frontend and returns them as host-backed tensors.
 * Each frontend gets the same graph: the reference backend in TypeScript, tfjs kernels (the cpu
 * backend; tfjs-node is used instead when the user has installed it), onnxruntime through the
 * ONNX lowering, or PyTorch through the TorchScript bridge (a worker started for this call).
 */
export async function evaluateOn(frontend: RunFrontend, tensors: readonly Tensor[]): Promise<Tensor[]> {
  let values: TypedArray[];
  switch (frontend) {
    case 'reference':
      values = realize(tensors, new ReferenceBackend());
      break;
    case 'tfjs': {
      const tf = await import('@tensorflow/tfjs-core');
      const { TfjsBackend } = await import('@reptile/tfjs');
      if (!(await tryTfjsNode())) {
        await import('@tensorflow/tfjs-backend-cpu');
        if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
      }
      await tf.ready();
      values = realize(tensors, new TfjsBackend());
      break;
    }
    case 'onnx': {
      const { OnnxBackend } = await import('@reptile/onnx');
      values = realize(tensors, new OnnxBackend());
      break;
    }
    case 'torch': {
      const { TorchBackend, TorchWorker, torchUnavailableReason } = await import('@reptile/torch');
      const missing = torchUnavailableReason();
      if (missing) fail(missing, { where: 'torch frontend' });
      const worker = new TorchWorker();
      try {
        values = await new TorchBackend(worker).run(tensors.map((t) => t.node));
      } finally {
        await worker.close();
      }
      break;
    }
  }
  return tensors.map((t, i) => Tensor.fromData(values[i]!, t.shape, t.dtype as DType));
}

/** tfjs-node, when installed, registers its native backend on import; never required. */
async function tryTfjsNode(): Promise<boolean> {
  try {
    const name = '@tensorflow/tfjs-node';
    await import(/* @vite-ignore */ name);
    return true;
  } catch {
    return false;
  }
}
