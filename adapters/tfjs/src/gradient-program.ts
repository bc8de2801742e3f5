import { type ClipConfig, stepContext, type TensorSpec, trace } from '@reptile/core';
import type * as tf from '@tensorflow/tfjs-core';
import { reptileDType } from './dtypes.ts';
import { clipTransform } from './spec.ts';
import { compileForTfjs, type TfjsProgram } from './zero-copy.ts';

/**
 * The per-micro-batch half of a recipe step under gradient accumulation: clip the call's
 * gradients (by value, then global norm) and count their non-finite entries, as the step
 * program does before an update (core's Trainer clips and guards each micro-batch, then sums).
 * Compiled once per list of gradient shapes.
 */
export class GradientProgram {
  private readonly program: TfjsProgram;
  /** Gradient index of each of the program's device inputs. */
  private readonly order: readonly number[];

  constructor(
    private readonly clip: ClipConfig | undefined,
    grads: readonly tf.Tensor[],
  ) {
    const specs: TensorSpec[] = grads.map((g, i) => ({
      name: `g${i}`,
      shape: [...g.shape],
      dtype: reptileDType(g.dtype, `gradient ${i}`),
    }));
    const graph = trace(specs, (...inputs) => {
      let clipped = inputs;
      if (clip) {
        const t = clipTransform(clip);
        // Clipping reads no step or learning rate; the context is only there to satisfy the type.
        clipped = t.update(inputs, t.init(inputs), inputs, stepContext(1, 0)).updates;
      }
      const counts = clipped.map((g) =>
        g.abs().lt(Number.POSITIVE_INFINITY).logicalNot().cast('int32').sum(),
      );
      return [...(clip ? clipped : []), counts.reduce((a, b) => a.add(b))];
    });
    this.program = compileForTfjs(graph);
    this.order = this.program.order.device.map((n) =>
      Number((n.op.kind === 'input' ? n.op.name : '').slice(1)),
    );
  }

  /**
   * The clipped gradients (new tensors the caller owns; the inputs themselves without a clip)
   * and how many of their entries are NaN or ±∞ (one host read).
   */
  run(grads: readonly tf.Tensor[]): { grads: tf.Tensor[]; owned: boolean; nonFinite: number } {
    const out = this.program.runOrdered(
      this.order.map((i) => grads[i]!),
      [],
    );
    const count = out.pop()!;
    const nonFinite = count.dataSync()[0]!;
    count.dispose();
    return this.clip
      ? { grads: out, owned: true, nonFinite }
      : { grads: [...grads], owned: false, nonFinite };
  }

  dispose(): void {
    this.program.dispose();
  }
}
