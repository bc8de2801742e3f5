import { writeTorchScriptArchive } from '../archive/archive.ts';
import type { TorchWorker } from '../bridge/worker.ts';
import type { NamedTensorSpec as TensorSpec } from '../core.ts';
import {
  type FloatBuffer,
  isSyncStep,
  meanOfBuffers,
  proposer,
  type Tensor,
  type TypedArray,
  trace,
  zookeeperConfig,
} from '../core.ts';
import { lowerGraph } from '../lower/lower.ts';
import { TorchOptimizer } from './torch-optimizer.ts';

let counter = 0;

/**
 * K ZooKeeper replicas (/work/shared/ZOOKEEPER.md) whose params and proposal state live in the
 * PyTorch worker. Each step runs every worker's proposal (SGD/heavy-ball or the base optimizer)
 * as the exported step artifact; on sync steps the replicas' fused buffers are averaged on the
 * host — the role a collective plays for real ranks, computed with core's meanOfBuffers exactly
 * as core's simulation does — and each replica is blended towards the mean by a TorchScript module.
 */
export class TorchZooKeeper {
  private steps = 0;

  private constructor(
    private readonly worker: TorchWorker,
    private readonly replicas: readonly TorchOptimizer[],
    private readonly params: readonly TensorSpec[],
    private readonly beta: number,
    private readonly syncEvery: number,
    private readonly blendArtifact: string | undefined,
  ) {}

  static async create(
    worker: TorchWorker,
    config: unknown,
    workers: number,
    params: readonly TensorSpec[],
  ): Promise<TorchZooKeeper> {
    const zk = zookeeperConfig(config);
    const id = counter++;
    const replicas: TorchOptimizer[] = [];
    for (let k = 0; k < workers; k++) {
      replicas.push(await TorchOptimizer.create(worker, proposer(zk), params, { prefix: `zk${id}.${k}.` }));
    }
    let blendName: string | undefined;
    if (zk.beta !== 1 && zk.beta !== 0) {
      // x + β·(x̄ − x), written into x: core's blend, traced
      const specs = params.flatMap((p) => [
        { name: `x.${p.name}`, shape: p.shape, dtype: p.dtype ?? ('float32' as const) },
        { name: `mean.${p.name}`, shape: p.shape, dtype: p.dtype ?? ('float32' as const) },
      ]);
      const graph = trace(specs, (...xs) => {
        const out: Record<string, Tensor> = {};
        params.forEach((p, i) => {
          const x = xs[2 * i]!;
          out[`x.${p.name}`] = x.add(xs[2 * i + 1]!.sub(x).mul(zk.beta));
        });
        return out;
      });
      blendName = `zk${id}.blend`;
      const donate = params.map((p) => [`x.${p.name}`, `x.${p.name}`] as const);
      await worker.load(blendName, writeTorchScriptArchive(lowerGraph(graph, { donate })));
    }
    return new TorchZooKeeper(worker, replicas, params, zk.beta, zk.syncEvery, blendName);
  }

  /** Every replica starts from the same params. */
  async init(values: readonly TypedArray[]): Promise<void> {
    for (const r of this.replicas) await r.init(values);
    this.steps = 0;
  }

  /** One ZooKeeper step; grads[k] are worker k's gradients. */
  async step(grads: readonly (readonly TypedArray[])[]): Promise<void> {
    const t = this.steps;
    for (let k = 0; k < this.replicas.length; k++) await this.replicas[k]!.step(grads[k]!);
    if (isSyncStep(t, this.syncEvery)) {
      const proposals = await Promise.all(this.replicas.map((r) => r.values()));
      const mean = split(meanOfBuffers(proposals.map(fuse)), proposals[0]!);
      for (const r of this.replicas) {
        if (this.blendArtifact === undefined) {
          if (this.beta === 1) {
            await this.worker.put(
              Object.fromEntries(this.params.map((_, i) => [r.paramName(i), this.wire(i, mean[i]!)])),
            );
          }
          continue; // β = 0: replicas keep their proposals
        }
        const inputs = this.params.flatMap((_, i) => [{ held: r.paramName(i) }, this.wire(i, mean[i]!)]);
        await this.worker.run(this.blendArtifact, inputs, {
          store: this.params.map((_, i) => r.paramName(i)),
          return: this.params.map(() => false),
        });
      }
    }
    this.steps = t + 1;
  }

  /** Every replica's params: result[worker][param]. */
  async values(): Promise<TypedArray[][]> {
    return Promise.all(this.replicas.map((r) => r.values()));
  }

  async dispose(): Promise<void> {
    for (const r of this.replicas) await r.dispose();
    if (this.blendArtifact) await this.worker.unload(this.blendArtifact);
  }

  private wire(i: number, data: TypedArray) {
    const p = this.params[i]!;
    return { dtype: p.dtype ?? ('float32' as const), shape: p.shape, data };
  }
}

/** All params as one flat buffer (float64 if any param is), as core's ZooKeeper fuses them. */
function fuse(values: readonly TypedArray[]): FloatBuffer {
  const total = values.reduce((n, v) => n + v.length, 0);
  const out = values.some((v) => v instanceof Float64Array)
    ? new Float64Array(total)
    : new Float32Array(total);
  let at = 0;
  for (const v of values) {
    out.set(v, at);
    at += v.length;
  }
  return out;
}

function split(buffer: FloatBuffer, like: readonly TypedArray[]): TypedArray[] {
  let at = 0;
  return like.map((v) => {
    const part = buffer.subarray(at, at + v.length);
    at += v.length;
    return v instanceof Float64Array ? Float64Array.from(part) : Float32Array.from(part);
  });
}
