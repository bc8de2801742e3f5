import {
  exportArtifact,
  lossArtifact,
  regularizerArtifact,
  TorchOptimizer,
  TorchPeers,
  TorchWorker,
  TorchZooKeeper,
  torchPeerSkipReason,
  torchUnavailableReason,
  type WireTensor,
} from '../../../adapters/torch/src/index.ts';
import type { ConformanceAdapter } from '../adapter.ts';
import type { Case } from '../case.ts';
import { scheduleFromConfig } from '../core.ts';
import type { HostTensor } from '../host-tensor.ts';

/** For the registry's `available()`: undefined when python3 can import torch, else what to install. */
export { torchUnavailableReason };

let shared: TorchWorker | undefined;

/** Both columns share one worker process (started on first use; idle, it never keeps Node alive). */
function sharedWorker(): TorchWorker {
  shared ??= new TorchWorker();
  return shared;
}

/**
 * Reptile on PyTorch through the TorchScript bridge. Optimizer cases run the exported step
 * artifact (params and state held in the worker, one call per step, step and lr as inputs,
 * exactly as a user of the `.pt` file would); losses and regularizers run their exported
 * artifacts; ZooKeeper runs every worker's proposal artifact with the host-side consensus a
 * collective would provide. Schedules are host functions in every frontend (artifacts take the
 * scheduled lr as an input). The worker starts on first use and never keeps Node alive.
 */
export function createTorchAdapter(worker: TorchWorker = sharedWorker()): ConformanceAdapter {
  let artifacts = 0;
  const specs = (params: readonly HostTensor[]) =>
    params.map((p, i) => ({ name: `p${i}`, shape: p.shape, dtype: p.dtype }));
  const host = (t: WireTensor): HostTensor => ({ shape: [...t.shape], dtype: t.dtype, data: t.data });
  const runArtifact = async (bytes: Uint8Array, inputs: readonly HostTensor[]) => {
    const name = `case${artifacts++}`;
    await worker.load(name, bytes);
    try {
      return await worker.run(name, inputs);
    } finally {
      await worker.unload(name);
    }
  };
  return {
    name: 'torch',
    async optimizer(config, params, grads) {
      if ((config as { name?: unknown }).name === 'zookeeper') {
        const trajectory = await zookeeperTrajectory(
          worker,
          config,
          1,
          params,
          grads.map((g) => [g]),
        );
        return trajectory.map((replicas) => replicas[0]!);
      }
      const opt = await TorchOptimizer.create(worker, config, specs(params));
      try {
        await opt.init(params.map((p) => p.data));
        const trajectory: HostTensor[][] = [];
        for (const step of grads) {
          await opt.step(step.map((g) => g.data));
          trajectory.push((await opt.values()).map((data, i) => ({ ...params[i]!, data })));
        }
        return trajectory;
      } finally {
        await opt.dispose();
      }
    },
    async loss(config, yTrue, yPred) {
      const [value, gradYPred] = await runArtifact(exportArtifact(lossArtifact(config, yTrue, yPred)), [
        yTrue,
        yPred,
      ]);
      return { value: host(value!), gradYPred: host(gradYPred!) };
    },
    async regularizer(config, weights) {
      const [value, grad] = await runArtifact(exportArtifact(regularizerArtifact(config, weights)), [
        weights,
      ]);
      return { value: host(value!), grad: host(grad!) };
    },
    async schedule(config, steps) {
      const schedule = scheduleFromConfig(config, 'schedule');
      return steps.map((s) => schedule(s));
    },
    zookeeper: (config, workers, params, grads) =>
      zookeeperTrajectory(worker, config, workers, params, grads),
  };
}

async function zookeeperTrajectory(
  worker: TorchWorker,
  config: unknown,
  workers: number,
  params: readonly HostTensor[],
  grads: readonly (readonly (readonly HostTensor[])[])[],
): Promise<HostTensor[][][]> {
  const specs = params.map((p, i) => ({ name: `p${i}`, shape: p.shape, dtype: p.dtype }));
  const zk = await TorchZooKeeper.create(worker, config, workers, specs);
  try {
    await zk.init(params.map((p) => p.data));
    const trajectory: HostTensor[][][] = [];
    for (const step of grads) {
      await zk.step(step.map((w) => w.map((g) => g.data)));
      trajectory.push((await zk.values()).map((r) => r.map((data, i) => ({ ...params[i]!, data }))));
    }
    return trajectory;
  } finally {
    await zk.dispose();
  }
}

/**
 * The `torch.optim` peer column: PyTorch's own torch.optim, torch.nn.functional and
 * lr_scheduler on every PyTorch-named config, in the tensors' dtype. Configs without a PyTorch
 * namesake (Keras-style options, Lion, LAMB, ZooKeeper, regularizers) are skips with the reason.
 */
export function createTorchOptimPeerAdapter(worker: TorchWorker = sharedWorker()): ConformanceAdapter {
  const peers = new TorchPeers(worker);
  const host = (t: WireTensor): HostTensor => ({ shape: [...t.shape], dtype: t.dtype, data: t.data });
  const refuse = (kind: Case['kind'], config: unknown): never => {
    throw new Error(`torch.optim peer: ${torchPeerSkipReason(kind, config)}`);
  };
  return {
    name: 'torch.optim',
    skipReason(c) {
      switch (c.kind) {
        case 'optimizer':
          return torchPeerSkipReason('optimizer', c.optimizer);
        case 'loss':
          return torchPeerSkipReason('loss', c.loss);
        case 'regularizer':
          return torchPeerSkipReason('regularizer', c.regularizer);
        case 'schedule':
          return typeof c.schedule === 'number'
            ? 'a constant learning rate needs no scheduler'
            : torchPeerSkipReason('schedule', c.schedule);
        case 'zookeeper':
          return torchPeerSkipReason('zookeeper', c.optimizer);
      }
    },
    async optimizer(config, params, grads) {
      const trajectory = await peers.optimizer(config, params, grads);
      return trajectory.map((step) => step.map((data, i) => ({ ...params[i]!, data })));
    },
    async loss(config, yTrue, yPred) {
      const { value, grad } = await peers.loss(config, yTrue, yPred);
      return { value: host(value), gradYPred: host(grad) };
    },
    regularizer: async (config) => refuse('regularizer', config),
    schedule: (config, steps) => peers.schedule(config, steps),
    zookeeper: async (config) => refuse('zookeeper', config),
  };
}
