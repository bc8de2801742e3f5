import { checkNumber, fail, type JsonObject, type Shape, Tensor } from '@reptile/core';
import { type CallContext, Layer, type LayerWeights, type WeightSpec } from '../layer.ts';
import { defined, readOptionalName, readOptions } from '../options.ts';

const show = (s: Shape) => `[${s.join(', ')}]`;

/**
 * A layer over several values of the graph (Add, Concatenate). The single-input half of the
 * `Layer` surface is refused rather than guessed, so a merge layer placed in a Sequential stack
 * fails at build time with a message instead of computing something odd.
 */
export abstract class MergeLayer extends Layer {
  private builtForMany: Shape[] | undefined;

  /** Per-sample output shape for the per-sample shapes of the inputs, in inbound order. */
  abstract computeOutputShapeMany(shapes: readonly Shape[]): Shape;

  /** The forward pass on batches (axis 0 of every input is the same batch). */
  abstract callMany(xs: readonly Tensor[], weights: LayerWeights, ctx: CallContext): Tensor;

  override get built(): boolean {
    return this.builtForMany !== undefined;
  }

  get inputShapes(): readonly Shape[] {
    return this.builtForMany ?? fail(`layer '${this.name}' is not built yet`);
  }

  override get inputShape(): Shape {
    return fail(`layer '${this.name}' has several inputs`, { hint: 'read inputShapes instead' });
  }

  /** Checks the shapes fit together (via computeOutputShapeMany); same idempotence rule as `build`. */
  buildMany(shapes: readonly Shape[]): readonly WeightSpec[] {
    const key = (ss: readonly Shape[]) => ss.map(show).join(' ');
    if (this.builtForMany) {
      if (key(this.builtForMany) !== key(shapes))
        fail(`was built for inputs ${key(this.builtForMany)} per sample, got ${key(shapes)}`, {
          where: `layer '${this.name}'`,
          hint: 'a layer instance belongs to one model; create a new layer for other inputs',
        });
      return [];
    }
    if (shapes.length < 2)
      fail(`needs at least 2 inputs, got ${shapes.length}`, {
        where: `layer '${this.name}'`,
        hint: 'list two or more inbound values',
      });
    this.computeOutputShapeMany(shapes);
    this.builtForMany = shapes.map((s) => [...s]);
    return [];
  }

  override build(_inputShape: Shape): readonly WeightSpec[] {
    return this.singleInput();
  }

  computeOutputShape(_inputShape: Shape): Shape {
    return this.singleInput();
  }

  call(_x: Tensor, _weights: LayerWeights, _ctx: CallContext): Tensor {
    return this.singleInput();
  }

  private singleInput(): never {
    return fail(`${this.className} merges several inputs and cannot take a single one`, {
      where: this.hasName ? `layer '${this.name}'` : this.className,
      hint: 'use it in a Functional model with two or more inbound values',
    });
  }

  protected where(): string {
    return this.hasName ? `layer '${this.name}'` : this.className;
  }
}

/** Elementwise sum of inputs that all have the same shape (no silent broadcasting). */
export class Add extends MergeLayer {
  readonly className = 'Add';

  constructor(options: { readonly name?: string } = {}) {
    const o = readOptions(options, ['name'], 'Add');
    super(readOptionalName(o.name, 'Add.name'));
  }

  computeOutputShapeMany(shapes: readonly Shape[]): Shape {
    const first = shapes[0] ?? fail('needs at least 2 inputs, got 0', { where: this.where() });
    shapes.forEach((s, i) => {
      if (show(s) !== show(first))
        fail(`input ${i} has shape ${show(s)} per sample but input 0 has ${show(first)}`, {
          where: this.where(),
          hint: 'Add needs inputs of the same shape; reshape or project one of them (e.g. with a Dense)',
        });
    });
    return [...first];
  }

  callMany(xs: readonly Tensor[], _weights: LayerWeights, _ctx: CallContext): Tensor {
    return xs.slice(1).reduce((sum, x) => sum.add(x), xs[0]!);
  }

  getConfig(): JsonObject {
    return defined({ name: this.hasName ? this.name : undefined });
  }
}

export interface ConcatenateOptions {
  /** Axis of the full tensor, batch included, as in Keras: -1 is the last axis, 0 (batch) is refused. */
  readonly axis?: number;
  readonly name?: string;
}

/** Joins inputs along one axis; every other axis must match. */
export class Concatenate extends MergeLayer {
  readonly className = 'Concatenate';
  readonly axis: number;

  constructor(options: ConcatenateOptions = {}) {
    const o = readOptions(options, ['axis', 'name'], 'Concatenate');
    super(readOptionalName(o.name, 'Concatenate.name'));
    this.axis = o.axis === undefined ? -1 : checkNumber(o.axis, 'Concatenate.axis', { integer: true });
  }

  /** The axis within a sample (batch axis removed) for per-sample rank `rank`. */
  private sampleAxis(rank: number): number {
    const full = this.axis < 0 ? this.axis + rank + 1 : this.axis;
    if (full < 1 || full > rank)
      fail(
        `axis ${this.axis} is outside the inputs' non-batch axes (inputs have rank ${rank + 1} with the batch)`,
        {
          where: `${this.where()}.axis`,
          hint: `use 1..${rank} or -${rank}..-1; axis 0 is the batch and cannot be concatenated`,
        },
      );
    return full - 1;
  }

  computeOutputShapeMany(shapes: readonly Shape[]): Shape {
    const first = shapes[0] ?? fail('needs at least 2 inputs, got 0', { where: this.where() });
    const axis = this.sampleAxis(first.length);
    let total = 0;
    shapes.forEach((s, i) => {
      const same = s.length === first.length && s.every((d, k) => k === axis || d === first[k]);
      if (!same)
        fail(
          `input ${i} has shape ${show(s)} per sample, input 0 has ${show(first)}; all axes except the concatenation axis (${this.axis}) must match`,
          { where: this.where(), hint: 'reshape the inputs so they agree on every other axis' },
        );
      total += s[axis]!;
    });
    return first.map((d, k) => (k === axis ? total : d));
  }

  callMany(xs: readonly Tensor[], _weights: LayerWeights, _ctx: CallContext): Tensor {
    const rank = xs[0]!.rank;
    return Tensor.concat(xs, this.sampleAxis(rank - 1) + 1);
  }

  getConfig(): JsonObject {
    return defined({ name: this.hasName ? this.name : undefined, axis: this.axis });
  }
}
