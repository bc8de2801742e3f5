import type { WireTensor } from './bridge/protocol.ts';
import type { TorchWorker } from './bridge/worker.ts';
import { optimizerFromConfig, parseOptimizerConfig, type TypedArray } from './core.ts';

/**
 * The `torch.optim` peer: PyTorch's own torch.optim, torch.nn.functional and lr_scheduler run in
 * the worker on Reptile's PyTorch-named configs (python/reptile_peers.py maps the fields). Its
 * numbers never pass through Reptile code, so agreement with them is evidence of compatibility.
 */
const PEER_OPTIMIZERS = new Set(['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad']);

type Kind = 'optimizer' | 'loss' | 'regularizer' | 'schedule' | 'zookeeper';

/** Why a config has no PyTorch counterpart, or undefined if it has one. */
export function torchPeerSkipReason(kind: Kind, config: unknown): string | undefined {
  const c = (typeof config === 'object' && config !== null ? config : {}) as Record<string, unknown>;
  const name = String(c.name);
  switch (kind) {
    case 'optimizer':
      if (!PEER_OPTIMIZERS.has(name)) return `optimizer '${name}' has no torch.optim namesake`;
      if ((c.epsilonStyle ?? 'pytorch') !== 'pytorch') {
        return "epsilonStyle 'keras' is the Keras/tfjs formula; torch.optim has only the pytorch one";
      }
      return undefined;
    case 'loss':
      if (['mse', 'mae', 'huber', 'binaryCrossEntropy', 'nll'].includes(name)) return undefined;
      if (name === 'crossEntropy') {
        return c.fromLogits === false
          ? "crossEntropy fromLogits false is Keras' probability form"
          : undefined;
      }
      if (name === 'klDivergence')
        return c.logInput === false ? "klDivergence logInput false is Keras' form" : undefined;
      return `loss '${name}' has no torch.nn.functional namesake (Keras-named)`;
    case 'schedule':
      if (name === 'step' || name === 'oneCycle') return undefined;
      if (name === 'exponential') {
        return (c.decaySteps ?? 1) === 1 && c.staircase !== true
          ? undefined
          : 'exponential decay over several steps is the Keras form; torch ExponentialLR decays every step';
      }
      return `schedule '${name}' has no torch.optim.lr_scheduler namesake`;
    case 'regularizer':
      return 'PyTorch has no regularizer objects (penalties are written by hand or as weight_decay)';
    case 'zookeeper':
      return 'ZooKeeper is not part of PyTorch';
  }
}

export class TorchPeers {
  constructor(readonly worker: TorchWorker) {}

  /** Params after each step of torch.optim: result[step][param]. lr schedules are applied per step. */
  async optimizer(
    config: unknown,
    params: readonly WireTensor[],
    grads: readonly (readonly WireTensor[])[],
  ): Promise<TypedArray[][]> {
    const parsed = parseOptimizerConfig(config);
    const opt = optimizerFromConfig(config);
    const lrs = grads.map((_, s) => opt.learningRate(s));
    const reply = await this.worker.call('peer.optimizer', { config: parsed, lrs, params: params.length }, [
      ...params,
      ...grads.flat(),
    ]);
    const n = params.length;
    return grads.map((_, s) => reply.tensors.slice(s * n, (s + 1) * n).map((t) => t.data));
  }

  /** torch.nn.functional's loss value and the gradient of its sum w.r.t. yPred. */
  async loss(
    config: unknown,
    yTrue: WireTensor,
    yPred: WireTensor,
  ): Promise<{ value: WireTensor; grad: WireTensor }> {
    const reply = await this.worker.call('peer.loss', { config }, [yTrue, yPred]);
    return { value: reply.tensors[0]!, grad: reply.tensors[1]! };
  }

  async schedule(config: unknown, steps: readonly number[]): Promise<number[]> {
    const reply = await this.worker.call('peer.schedule', { config, steps }, []);
    return Array.from(reply.tensors[0]!.data);
  }
}
