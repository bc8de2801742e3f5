import { getBackend } from '../backend/backend.ts';
import { castScalar, type DType, type TypedArray, toTyped } from '../dtype.ts';
import { fail } from '../errors.ts';
import { Node } from '../ir/node.ts';
import type { BinaryFn, CompareFn, Op, ReduceFn, UnaryFn } from '../ir/op.ts';
import {
  broadcastShapes,
  checkShape,
  formatShape,
  normalizeAxis,
  type Shape,
  sameShape,
  sizeOf,
} from '../shape.ts';
import { type ConvOptions, conv2dOp } from './conv-options.ts';

export type TensorLike = Tensor | number;

/**
 * A lazy tensor: a handle on an IR node. Operations build graph; `data()` realises it on the
 * current backend (the same program can instead be traced and lowered to ONNX or TorchScript).
 * Numbers mixed with tensors take the tensor's dtype; two tensors must share a dtype.
 */
export class Tensor {
  constructor(readonly node: Node) {}

  // ---- construction -------------------------------------------------------------------------

  static fromData(data: TypedArray | ArrayLike<number>, shape: Shape, dtype: DType = 'float32'): Tensor {
    checkShape(shape, 'Tensor.fromData');
    if (sizeOf(shape) !== data.length) {
      fail(`${data.length} values do not fill shape ${formatShape(shape)} (${sizeOf(shape)} elements)`, {
        where: 'Tensor.fromData',
      });
    }
    const typed = isStorageOf(data, dtype) ? data : toTyped(data, dtype);
    return new Tensor(new Node({ kind: 'constant', data: typed }, [], [...shape], dtype));
  }

  static scalar(value: number, dtype: DType = 'float32'): Tensor {
    return Tensor.fromData([value], [], dtype);
  }

  static full(shape: Shape, value: number, dtype: DType = 'float32'): Tensor {
    return Tensor.scalar(value, dtype).broadcastTo(shape);
  }

  static zeros(shape: Shape, dtype: DType = 'float32'): Tensor {
    return Tensor.full(shape, 0, dtype);
  }

  static ones(shape: Shape, dtype: DType = 'float32'): Tensor {
    return Tensor.full(shape, 1, dtype);
  }

  /** 0, 1, ..., n-1 along a 1-D tensor. */
  static arange(n: number, dtype: DType = 'int32'): Tensor {
    return Tensor.fromData(
      Array.from({ length: n }, (_, i) => i),
      [n],
      dtype,
    );
  }

  /** A named graph input, for tracing programs into graphs (see `trace`). */
  static placeholder(name: string, shape: Shape, dtype: DType = 'float32'): Tensor {
    checkShape(shape, `placeholder ${name}`);
    return new Tensor(new Node({ kind: 'input', name }, [], [...shape], dtype));
  }

  static where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
    const like = a instanceof Tensor ? a : b instanceof Tensor ? b : undefined;
    const dtype = like?.dtype ?? 'float32';
    const ta = lift(a, dtype);
    const tb = lift(b, dtype);
    checkDTypes('where', ta, tb);
    const shape = broadcastShapes(broadcastShapes(cond.shape, ta.shape, 'where'), tb.shape, 'where');
    return new Tensor(
      new Node({ kind: 'where' }, [
        cond.broadcastTo(shape).node,
        ta.broadcastTo(shape).node,
        tb.broadcastTo(shape).node,
      ]),
    );
  }

  static concat(tensors: readonly Tensor[], axis = 0): Tensor {
    if (tensors.length === 0) fail('needs at least one tensor', { where: 'concat' });
    const ax = normalizeAxis(axis, tensors[0]!.rank, 'concat');
    return tensors.length === 1
      ? tensors[0]!
      : new Tensor(
          new Node(
            { kind: 'concat', axis: ax },
            tensors.map((t) => t.node),
          ),
        );
  }

  static stack(tensors: readonly Tensor[], axis = 0): Tensor {
    if (tensors.length === 0) fail('needs at least one tensor', { where: 'stack' });
    const ax = normalizeAxis(axis, tensors[0]!.rank + 1, 'stack');
    return Tensor.concat(
      tensors.map((t) => t.reshape([...t.shape.slice(0, ax), 1, ...t.shape.slice(ax)])),
      ax,
    );
  }

  // ---- metadata -------------------------------------------------------------------------------

  get shape(): Shape {
    return this.node.shape;
  }
  get dtype(): DType {
    return this.node.dtype;
  }
  get rank(): number {
    return this.node.shape.length;
  }
  get size(): number {
    return this.node.size;
  }

  toString(): string {
    return `Tensor(${this.dtype}${formatShape(this.shape)})`;
  }

  // ---- realisation ----------------------------------------------------------------------------

  /** Computes the value on the current backend. The result must not be mutated. */
  data(): TypedArray {
    return realize([this])[0]!;
  }

  /** The value as plain numbers (row-major). */
  toArray(): number[] {
    return Array.from(this.data());
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) fail(`item() needs one element, tensor has ${this.size}`, { where: String(this) });
    return this.data()[0]!;
  }

  // ---- elementwise ----------------------------------------------------------------------------

  private unary(fn: UnaryFn): Tensor {
    return new Tensor(new Node({ kind: 'unary', fn }, [this.node]));
  }

  private binary(fn: BinaryFn, other: TensorLike): Tensor {
    const [a, b] = this.broadcastWith(fn, other);
    return new Tensor(new Node({ kind: 'binary', fn }, [a.node, b.node]));
  }

  private compare(fn: CompareFn, other: TensorLike): Tensor {
    const [a, b] = this.broadcastWith(fn, other);
    return new Tensor(new Node({ kind: 'compare', fn }, [a.node, b.node]));
  }

  private broadcastWith(where: string, other: TensorLike): [Tensor, Tensor] {
    const b = lift(other, this.dtype);
    checkDTypes(where, this, b);
    if (sameShape(this.shape, b.shape)) return [this, b];
    const shape = broadcastShapes(this.shape, b.shape, where);
    return [this.broadcastTo(shape), b.broadcastTo(shape)];
  }

  neg(): Tensor {
    return this.unary('neg');
  }
  exp(): Tensor {
    return this.unary('exp');
  }
  log(): Tensor {
    return this.unary('log');
  }
  sqrt(): Tensor {
    return this.unary('sqrt');
  }
  abs(): Tensor {
    return this.unary('abs');
  }
  sign(): Tensor {
    return this.unary('sign');
  }
  sin(): Tensor {
    return this.unary('sin');
  }
  cos(): Tensor {
    return this.unary('cos');
  }
  floor(): Tensor {
    return this.unary('floor');
  }
  ceil(): Tensor {
    return this.unary('ceil');
  }
  square(): Tensor {
    return this.mul(this);
  }
  logicalNot(): Tensor {
    return this.unary('not');
  }
  add(other: TensorLike): Tensor {
    return this.binary('add', other);
  }
  sub(other: TensorLike): Tensor {
    return this.binary('sub', other);
  }
  mul(other: TensorLike): Tensor {
    return this.binary('mul', other);
  }
  div(other: TensorLike): Tensor {
    return this.binary('div', other);
  }
  pow(other: TensorLike): Tensor {
    return this.binary('pow', other);
  }
  maximum(other: TensorLike): Tensor {
    return this.binary('maximum', other);
  }
  minimum(other: TensorLike): Tensor {
    return this.binary('minimum', other);
  }
  logicalAnd(other: Tensor): Tensor {
    return this.binary('and', other);
  }
  logicalOr(other: Tensor): Tensor {
    return this.binary('or', other);
  }
  lt(other: TensorLike): Tensor {
    return this.compare('lt', other);
  }
  le(other: TensorLike): Tensor {
    return this.compare('le', other);
  }
  gt(other: TensorLike): Tensor {
    return this.compare('gt', other);
  }
  ge(other: TensorLike): Tensor {
    return this.compare('ge', other);
  }
  eq(other: TensorLike): Tensor {
    return this.compare('eq', other);
  }
  ne(other: TensorLike): Tensor {
    return this.compare('ne', other);
  }
  cast(to: DType): Tensor {
    return to === this.dtype ? this : new Tensor(new Node({ kind: 'cast', to }, [this.node]));
  }

  // ---- reductions -----------------------------------------------------------------------------

  private reduce(fn: ReduceFn, axes: number | readonly number[] | undefined, keepDims: boolean): Tensor {
    const list = axes === undefined ? this.shape.map((_, i) => i) : typeof axes === 'number' ? [axes] : axes;
    const norm = [...new Set(list.map((a) => normalizeAxis(a, this.rank, fn)))].sort((x, y) => x - y);
    if (norm.length === 0) return this;
    return new Tensor(new Node({ kind: 'reduce', fn, axes: norm, keepDims }, [this.node]));
  }

  /** Sum over `axes` (all axes when omitted). */
  sum(axes?: number | readonly number[], keepDims = false): Tensor {
    return this.reduce('sum', axes, keepDims);
  }
  max(axes?: number | readonly number[], keepDims = false): Tensor {
    return this.reduce('max', axes, keepDims);
  }
  min(axes?: number | readonly number[], keepDims = false): Tensor {
    return this.reduce('min', axes, keepDims);
  }
  /** Index of the first maximum along `axis`, as int32. */
  argMax(axis = -1): Tensor {
    const ax = normalizeAxis(axis, this.rank, 'argmax');
    return new Tensor(new Node({ kind: 'reduce', fn: 'argmax', axes: [ax], keepDims: false }, [this.node]));
  }
  mean(axes?: number | readonly number[], keepDims = false): Tensor {
    const reduced = this.sum(axes, keepDims);
    const count = this.size / Math.max(reduced.size, 1);
    return reduced.div(count);
  }

  // ---- movement -------------------------------------------------------------------------------

  /** Reshape; one dim may be -1 and is inferred. */
  reshape(shape: Shape): Tensor {
    const known = shape.filter((d) => d !== -1);
    const inferred = shape.length - known.length;
    if (inferred > 1) fail(`at most one -1 allowed in ${formatShape(shape)}`, { where: 'reshape' });
    let target = [...shape];
    if (inferred === 1) {
      const rest = sizeOf(known);
      if (rest === 0 || this.size % rest !== 0) {
        fail(`cannot reshape ${formatShape(this.shape)} to ${formatShape(shape)}`, { where: 'reshape' });
      }
      target = shape.map((d) => (d === -1 ? this.size / rest : d));
    }
    checkShape(target, 'reshape');
    if (sameShape(target, this.shape)) return this;
    return new Tensor(new Node({ kind: 'reshape', shape: target }, [this.node]));
  }

  flatten(): Tensor {
    return this.reshape([this.size]);
  }

  /** Permute axes; reverses them when `perm` is omitted. */
  transpose(perm?: readonly number[]): Tensor {
    const p = perm ?? this.shape.map((_, i) => this.rank - 1 - i);
    if (p.every((v, i) => v === i)) return this;
    return new Tensor(
      new Node({ kind: 'transpose', perm: p.map((a) => normalizeAxis(a, this.rank, 'transpose')) }, [
        this.node,
      ]),
    );
  }

  /** NumPy-style broadcast to `shape`. */
  broadcastTo(shape: Shape): Tensor {
    if (sameShape(this.shape, shape)) return this;
    const target = broadcastShapes(this.shape, shape, 'broadcastTo');
    if (!sameShape(target, shape))
      fail(`cannot broadcast ${formatShape(this.shape)} to ${formatShape(shape)}`, { where: 'broadcastTo' });
    const padded = this.reshape([...new Array<number>(shape.length - this.rank).fill(1), ...this.shape]);
    return sameShape(padded.shape, shape)
      ? padded
      : new Tensor(new Node({ kind: 'expand', shape: [...shape] }, [padded.node]));
  }

  /** Slice [begin, end) per axis; missing entries take the whole axis, negative ends count from the end. */
  slice(begin: readonly number[], end?: readonly (number | undefined)[]): Tensor {
    const b = this.shape.map((_, i) => begin[i] ?? 0);
    const e = this.shape.map((d, i) => {
      const v = end?.[i];
      return v === undefined ? d : v < 0 ? d + v : v;
    });
    if (b.every((v) => v === 0) && e.every((v, i) => v === this.shape[i])) return this;
    return new Tensor(new Node({ kind: 'slice', begin: b, end: e }, [this.node]));
  }

  pad(pads: readonly (readonly [number, number])[], value = 0): Tensor {
    if (pads.every(([lo, hi]) => lo === 0 && hi === 0)) return this;
    return new Tensor(
      new Node({ kind: 'pad', pads: pads.map(([lo, hi]) => [lo, hi] as const), value }, [this.node]),
    );
  }

  /** Inserts a size-1 axis. */
  expandDims(axis: number): Tensor {
    const ax = normalizeAxis(axis, this.rank + 1, 'expandDims');
    return this.reshape([...this.shape.slice(0, ax), 1, ...this.shape.slice(ax)]);
  }

  squeeze(axes?: readonly number[]): Tensor {
    const drop = new Set(
      (axes ?? this.shape.flatMap((d, i) => (d === 1 ? [i] : []))).map((a) =>
        normalizeAxis(a, this.rank, 'squeeze'),
      ),
    );
    for (const a of drop)
      if (this.shape[a] !== 1) fail(`axis ${a} has size ${this.shape[a]}, not 1`, { where: 'squeeze' });
    return this.reshape(this.shape.filter((_, i) => !drop.has(i)));
  }

  /**
   * Matrix product with NumPy semantics: 1-D operands are promoted (and the added axis removed),
   * batch dims broadcast.
   */
  matmul(other: Tensor): Tensor {
    checkDTypes('matmul', this, other);
    if (this.rank === 0 || other.rank === 0) fail('operands must have rank ≥ 1', { where: 'matmul' });
    const a = this.rank === 1 ? this.reshape([1, this.size]) : this;
    const b = other.rank === 1 ? other.reshape([other.size, 1]) : other;
    const k = a.shape[a.rank - 1];
    if (b.shape[b.rank - 2] !== k) {
      fail(`inner dims differ: ${formatShape(this.shape)} x ${formatShape(other.shape)}`, {
        where: 'matmul',
      });
    }
    const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), 'matmul batch dims');
    const ab = a.broadcastTo([...batch, ...a.shape.slice(-2)]);
    const bb = b.broadcastTo([...batch, ...b.shape.slice(-2)]);
    let out = new Tensor(new Node({ kind: 'matmul' }, [ab.node, bb.node]));
    if (this.rank === 1) out = out.squeeze([-2]);
    if (other.rank === 1) out = out.squeeze([-1]);
    return out;
  }

  /**
   * 2-D convolution (cross-correlation, as every framework computes it) of an NCHW batch with
   * OIHW weights [out, in/groups, kh, kw]: the `conv2d` primitive of docs/protocol.md. Pads are
   * zeros, [[top, bottom], [left, right]].
   */
  conv2d(weights: Tensor, options: ConvOptions = {}): Tensor {
    checkDTypes('conv2d', this, weights);
    return new Tensor(new Node(conv2dOp(options), [this.node, weights.node]));
  }
}

/** Turns a number into a scalar of `dtype`; tensors pass through. */
export function lift(x: TensorLike, dtype: DType): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x !== 'number') fail(`expected a Tensor or number, got ${typeof x}`);
  return Tensor.scalar(castScalar(dtype)(x), dtype);
}

function checkDTypes(where: string, a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype) {
    fail(`dtype mismatch: ${a} and ${b}`, { where, hint: `cast one operand with .cast('${a.dtype}')` });
  }
}

function isStorageOf(data: ArrayLike<number>, dtype: DType): data is TypedArray {
  switch (dtype) {
    case 'float32':
      return data instanceof Float32Array;
    case 'float64':
      return data instanceof Float64Array;
    case 'int32':
      return data instanceof Int32Array;
    case 'bool':
      return data instanceof Uint8Array;
  }
}

/** Realises several tensors in one backend run, so shared subgraphs are computed once. */
export function realize(tensors: readonly Tensor[], backend = getBackend()): TypedArray[] {
  const pending = tensors.filter((t) => t.node.cached === undefined && t.node.op.kind !== 'constant');
  if (pending.length > 0) {
    const values = backend.run(pending.map((t) => t.node));
    pending.forEach((t, i) => {
      t.node.cached = values[i];
    });
  }
  return tensors.map((t) => {
    const op = t.node.op;
    return t.node.cached ?? (op.kind === 'constant' ? op.data : fail(`${t} was not realised`));
  });
}

/** Replaces lazy tensors by constants holding their values (drops the graph behind them). */
export function materialize(tensors: readonly Tensor[], backend = getBackend()): Tensor[] {
  const values = realize(tensors, backend);
  return tensors.map((t, i) =>
    t.node.op.kind === 'constant'
      ? t
      : new Tensor(new Node({ kind: 'constant', data: values[i]! }, [], t.shape, t.dtype)),
  );
}

export type { Op };
