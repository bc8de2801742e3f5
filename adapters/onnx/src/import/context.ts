import { ReptileError, type Tensor } from '@reptile/core';
import type { OnnxAttribute, OnnxNode } from './decode.ts';
import type { HostTensor, OnnxElem } from './tensor-proto.ts';
import { Value } from './value.ts';

/** What an operator implementation returns per output: a Value, or a Tensor (elem inferred). */
export type OpOutput = Value | Tensor;
export type OpImpl = (ctx: OpContext) => readonly OpOutput[];

/**
 * What one ONNX node sees: its inputs (empty names are absent optional inputs), attributes with
 * defaults, and static reads of inputs that must be known before running.
 */
export class OpContext {
  readonly where: string;

  constructor(
    readonly node: OnnxNode,
    readonly opset: number,
    private readonly lookup: (name: string) => Value | undefined,
    /** Largest element count any tensor built by an op may have. */
    readonly maxElements: number,
    /** The model file (or its name when given as bytes), so every error names it. */
    source: string,
  ) {
    this.where = `${source}: node ${node.index} '${node.name}' (${node.opType})`;
  }

  fail(message: string, hint?: string): never {
    throw new ReptileError(message, hint === undefined ? { where: this.where } : { where: this.where, hint });
  }

  get inputCount(): number {
    return this.node.inputs.length;
  }

  has(i: number): boolean {
    const name = this.node.inputs[i];
    return name !== undefined && name !== '';
  }

  value(i: number): Value {
    const name = this.node.inputs[i];
    if (name === undefined || name === '') this.fail(`input ${i} is required`);
    const v = this.lookup(name);
    if (!v) this.fail(`input ${i} '${name}' is not produced by any earlier node, initializer or graph input`);
    return v;
  }

  tensor(i: number): Tensor {
    return this.value(i).tensor(this.where);
  }

  elem(i: number): OnnxElem {
    return this.value(i).elem;
  }

  /** A static integer list from input i (or undefined when the optional input is absent). */
  ints(i: number): number[] | undefined {
    if (!this.has(i)) return undefined;
    const v = this.value(i).numbers(`${this.where}: input ${i}`);
    return v.map((x) => {
      if (!Number.isFinite(x) || Math.trunc(x) !== x) this.fail(`input ${i} holds ${x}, expected integers`);
      return x;
    });
  }

  numbers(i: number): readonly number[] | undefined {
    return this.has(i) ? this.value(i).numbers(`${this.where}: input ${i}`) : undefined;
  }

  attr(name: string): OnnxAttribute | undefined {
    return this.node.attrs.get(name);
  }

  int(name: string, fallback: number): number {
    const a = this.attr(name);
    if (a === undefined) return fallback;
    if (a.i === undefined || !Number.isSafeInteger(a.i)) this.fail(`attribute ${name} must be an integer`);
    return a.i;
  }

  float(name: string, fallback: number): number {
    const a = this.attr(name);
    if (a === undefined) return fallback;
    if (a.f === undefined) this.fail(`attribute ${name} must be a float`);
    return a.f;
  }

  intList(name: string): number[] | undefined {
    const a = this.attr(name);
    if (a === undefined) return undefined;
    const v = a.ints ?? [];
    for (const x of v)
      if (!Number.isSafeInteger(x)) this.fail(`attribute ${name} holds ${x}, not an integer`);
    return [...v];
  }

  floatList(name: string): number[] | undefined {
    const a = this.attr(name);
    return a === undefined ? undefined : [...(a.floats ?? [])];
  }

  string(name: string, fallback: string): string {
    return this.attr(name)?.s ?? fallback;
  }

  tensorAttr(name: string): HostTensor | undefined {
    return this.attr(name)?.t;
  }

  /** Refuses attributes this implementation ignores but that would change the result. */
  refuse(name: string, allowed: (a: OnnxAttribute) => boolean, hint?: string): void {
    const a = this.attr(name);
    if (a !== undefined && !allowed(a)) this.fail(`attribute ${name} with this value is not supported`, hint);
  }

  /** Normalises a possibly negative axis against `rank`. */
  axis(axis: number, rank: number): number {
    const a = axis < 0 ? axis + rank : axis;
    if (!Number.isInteger(a) || a < 0 || a >= rank)
      this.fail(`axis ${axis} is out of range for rank ${rank}`);
    return a;
  }

  /** Refuses shapes over the element limit before anything that allocates is built. */
  guard(shape: readonly number[]): readonly number[] {
    let n = 1;
    for (const d of shape) {
      if (!Number.isSafeInteger(d) || d < 0) this.fail(`invalid dimension ${d} in [${shape.join(',')}]`);
      n *= d;
    }
    if (n > this.maxElements) {
      this.fail(
        `would build a tensor of ${n} elements, over the limit of ${this.maxElements}`,
        'raise maxElements in the import options',
      );
    }
    return shape;
  }

  /** Output i's Value with the same element type as input j (int64 stays int64). */
  like(t: Tensor, j = 0): Value {
    const elem = this.elem(j);
    return Value.of(t, t.dtype === 'int32' && elem === 'int64' ? 'int64' : t.dtype, false);
  }
}
