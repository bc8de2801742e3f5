import { exportArtifact } from '../artifacts/artifact.ts';
import { optimizerStepArtifact } from '../artifacts/optimizer-step.ts';
import { checkWireTensor, type WireTensor } from '../bridge/protocol.ts';
import type { RunInput, TorchWorker } from '../bridge/worker.ts';
import {
  type DType,
  ReptileError,
  resolveOptimizer,
  type NamedTensorSpec as TensorSpec,
  type TraceableOptimizer,
  type TypedArray,
} from '../core.ts';
import type { LowerOptions } from '../lower/lower.ts';

export interface TorchOptimizerOptions extends Omit<LowerOptions, 'donate' | 'className'> {
  /** Prefix of the names params and state are held under in the worker (must be unique per optimizer). */
  readonly prefix?: string;
  /** Update held tensors in place (default true): no allocation per step. */
  readonly inPlace?: boolean;
}

let counter = 0;

/**
 * An optimizer whose params and state live in the PyTorch worker: `step` sends only the
 * gradients (or names of held ones) and runs the exported step artifact once for all params.
 * The step count and the learning-rate schedule stay on the Node side, exactly as an exported
 * artifact expects them as inputs.
 */
export class TorchOptimizer {
  private steps = 0;

  private constructor(
    readonly worker: TorchWorker,
    readonly optimizer: TraceableOptimizer,
    readonly params: readonly TensorSpec[],
    private readonly artifact: string,
    private readonly stateNames: readonly string[],
    private readonly prefix: string,
  ) {}

  static async create(
    worker: TorchWorker,
    optimizerOrConfig: unknown,
    params: readonly TensorSpec[],
    options: TorchOptimizerOptions = {},
  ): Promise<TorchOptimizer> {
    const optimizer = resolveOptimizer(optimizerOrConfig);
    const { prefix = `opt${counter++}.`, inPlace = true, ...lower } = options;
    const artifact = optimizerStepArtifact(optimizer, params);
    const name = `${prefix}step`;
    const sig = await worker.load(name, exportArtifact(artifact, { ...lower, inPlace }));
    const stateNames = sig.outputs.slice(params.length).map((o) => o.name.replace(/^new_/, ''));
    return new TorchOptimizer(worker, optimizer, params, name, stateNames, prefix);
  }

  /** Updates applied so far. */
  get stepCount(): number {
    return this.steps;
  }

  /** Holds the initial params in the worker and computes the initial state there. */
  async init(values: readonly TypedArray[]): Promise<void> {
    if (values.length !== this.params.length) {
      throw new ReptileError(`init got ${values.length} tensors for ${this.params.length} params`, {
        where: 'TorchOptimizer.init',
      });
    }
    const held: Record<string, WireTensor> = {};
    this.params.forEach((p, i) => {
      held[this.paramName(i)] = { dtype: p.dtype ?? 'float32', shape: p.shape, data: values[i]! };
    });
    await this.worker.put(held);
    await this.worker.run(
      this.artifact,
      this.params.map((_, i) => ({ held: this.paramName(i) })),
      {
        method: 'init_state',
        store: this.stateNames.map((s) => this.prefix + s),
        return: this.stateNames.map(() => false),
      },
    );
    this.steps = 0;
  }

  /**
   * One update of every param. `grads[i]` is data for param i or the name of a tensor held in
   * the worker. On any error nothing is committed: params, state and the step count stay as
   * they were.
   */
  async step(grads: readonly (TypedArray | { readonly held: string })[]): Promise<void> {
    if (grads.length !== this.params.length) {
      throw new ReptileError(`step got ${grads.length} gradients for ${this.params.length} params`, {
        where: 'TorchOptimizer.step',
      });
    }
    const t = this.steps + 1;
    const lr = this.optimizer.learningRate(this.steps);
    const scalar = (v: number): WireTensor => ({ dtype: 'float64', shape: [], data: new Float64Array([v]) });
    const inputs: RunInput[] = [
      ...this.params.map((_, i) => ({ held: this.paramName(i) })),
      ...grads.map((g, i) =>
        ArrayBuffer.isView(g) ? this.wire(i, g as TypedArray) : (g as { held: string }),
      ),
      ...this.stateNames.map((s) => ({ held: this.prefix + s })),
      scalar(t),
      scalar(lr),
    ];
    const store = [
      ...this.params.map((_, i) => this.paramName(i)),
      ...this.stateNames.map((s) => this.prefix + s),
    ];
    await this.worker.run(this.artifact, inputs, { store, return: store.map(() => false) });
    this.steps = t;
  }

  /** Current param values. */
  async values(): Promise<TypedArray[]> {
    return (await this.worker.get(this.params.map((_, i) => this.paramName(i)))).map((t) => t.data);
  }

  /** Held names of the params (to pass to other artifacts without copying). */
  paramName(i: number): string {
    return `${this.prefix}params.${this.params[i]!.name}`;
  }

  async dispose(): Promise<void> {
    await this.worker.drop([
      ...this.params.map((_, i) => this.paramName(i)),
      ...this.stateNames.map((s) => this.prefix + s),
    ]);
    await this.worker.unload(this.artifact);
  }

  private wire(i: number, data: TypedArray): WireTensor {
    const p = this.params[i]!;
    const t = { dtype: p.dtype ?? ('float32' as DType), shape: p.shape, data };
    checkWireTensor(t, `TorchOptimizer gradient for param '${p.name}'`);
    return t;
  }
}
