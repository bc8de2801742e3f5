import { resolve } from 'node:path';
import { type DType, fail, Tensor, type TypedArray } from '@reptile/core';
import { TorchWorker, torchUnavailableReason } from '@reptile/torch';

/**
 * Runs a TorchScript file with stock PyTorch (`torch.jit.load(path)(*inputs)` in the bridge's
 * worker): the runtime a conversion to TorchScript is verified against.
 */
export async function runWithTorch(path: string, inputs: readonly Tensor[]): Promise<Tensor[]> {
  const missing = torchUnavailableReason();
  if (missing) fail(missing, { where: 'torch' });
  const worker = new TorchWorker();
  try {
    const reply = await worker.call(
      'module_forward',
      { path: resolve(path) },
      inputs.map((t) => ({ dtype: t.dtype, shape: [...t.shape], data: t.data() as TypedArray })),
    );
    return reply.tensors.map((w) => Tensor.fromData(w.data, w.shape, w.dtype as DType));
  } finally {
    await worker.close();
  }
}
