import { broadcastShapes, Tensor } from '@reptile/core';
import type { OpContext, OpImpl } from '../context.ts';
import type { HostTensor, OnnxElem } from '../tensor-proto.ts';
import { allocate } from '../tensor-proto.ts';
import { protocolDType, Value } from '../value.ts';

const prod = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

export function hostValue(elem: OnnxElem, dims: readonly number[], values: readonly number[]): Value {
  const data = allocate(elem, values.length);
  values.forEach((v, i) => {
    data[i] = v;
  });
  return Value.host({ elem, dims, data } satisfies HostTensor);
}

/** Axes from the `axes` input (opset ≥ 13 for Squeeze/Unsqueeze/Reduce*) or the attribute before it. */
export function axesOf(ctx: OpContext, inputFrom: number, index = 1): number[] | undefined {
  return ctx.opset >= inputFrom ? ctx.ints(index) : ctx.intList('axes');
}

function reshapeTarget(ctx: OpContext, x: Tensor, spec: readonly number[]): number[] {
  const allowZero = ctx.int('allowzero', 0) === 1;
  const target = spec.map((d, i) => {
    if (d === 0 && !allowZero) {
      if (i >= x.rank) ctx.fail(`shape entry ${i} is 0 (copy) but the input has rank ${x.rank}`);
      return x.shape[i]!;
    }
    if (d < -1) ctx.fail(`shape entry ${i} is ${d}`);
    return d;
  });
  const known = prod(target.filter((d) => d !== -1));
  if (target.filter((d) => d === -1).length > 1) ctx.fail(`shape [${spec.join(',')}] has more than one -1`);
  const resolved = target.map((d) => (d === -1 ? (known === 0 ? 0 : x.size / known) : d));
  if (prod(resolved) !== x.size || resolved.some((d) => !Number.isInteger(d))) {
    ctx.fail(`cannot reshape [${x.shape.join(',')}] to [${spec.join(',')}]`);
  }
  return resolved;
}

function splitSizes(ctx: OpContext, length: number): number[] {
  const explicit = ctx.opset >= 13 ? ctx.ints(1) : ctx.intList('split');
  if (explicit && explicit.length > 0) {
    if (explicit.reduce((a, b) => a + b, 0) !== length || explicit.some((s) => s < 0)) {
      ctx.fail(`split sizes [${explicit.join(',')}] do not add up to ${length}`);
    }
    return explicit;
  }
  const parts = ctx.attr('num_outputs') ? ctx.int('num_outputs', 1) : ctx.node.outputs.length;
  if (parts < 1 || parts > Math.max(ctx.node.outputs.length, 1)) {
    ctx.fail(`cannot split into ${parts} parts for ${ctx.node.outputs.length} outputs`);
  }
  const size = Math.ceil(length / parts);
  return Array.from({ length: parts }, (_, i) => Math.max(0, Math.min(size, length - i * size)));
}

export const SHAPE_OPS: Record<string, OpImpl> = {
  Constant: (ctx) => {
    const t = ctx.tensorAttr('value');
    if (t) return [Value.host(t)];
    const a = ctx.node.attrs;
    if (a.has('value_float')) return [hostValue('float32', [], [ctx.float('value_float', 0)])];
    if (a.has('value_floats')) {
      const v = ctx.floatList('value_floats') ?? [];
      return [hostValue('float32', [v.length], v)];
    }
    if (a.has('value_int')) return [hostValue('int64', [], [ctx.int('value_int', 0)])];
    if (a.has('value_ints')) {
      const v = ctx.intList('value_ints') ?? [];
      return [hostValue('int64', [v.length], v)];
    }
    return ctx.fail('only tensor, float(s) and int(s) constants are supported (no strings, no sparse)');
  },
  Shape: (ctx) => {
    const shape = ctx.value(0).shape;
    const clampAxis = (a: number) => Math.min(Math.max(a < 0 ? a + shape.length : a, 0), shape.length);
    const start = clampAxis(ctx.int('start', 0));
    const end = clampAxis(ctx.int('end', shape.length));
    const dims = shape.slice(start, Math.max(start, end));
    return [hostValue('int64', [dims.length], dims)];
  },
  Size: (ctx) => [hostValue('int64', [], [prod(ctx.value(0).shape)])],
  Reshape: (ctx) => {
    const x = ctx.tensor(0);
    const spec = ctx.opset >= 5 ? ctx.ints(1) : ctx.intList('shape');
    return [ctx.like(x.reshape(reshapeTarget(ctx, x, spec ?? ctx.fail('needs a shape'))))];
  },
  Flatten: (ctx) => {
    const x = ctx.tensor(0);
    const axis = ctx.int('axis', 1);
    const a = axis < 0 ? axis + x.rank : axis;
    if (a < 0 || a > x.rank) ctx.fail(`axis ${axis} is out of range for rank ${x.rank}`);
    return [ctx.like(x.reshape([prod(x.shape.slice(0, a)), prod(x.shape.slice(a))]))];
  },
  Transpose: (ctx) => {
    const x = ctx.tensor(0);
    const perm = ctx.intList('perm') ?? x.shape.map((_, i) => x.rank - 1 - i);
    if (perm.length !== x.rank || new Set(perm.map((p) => ctx.axis(p, x.rank))).size !== x.rank) {
      ctx.fail(`perm [${perm.join(',')}] is not a permutation of ${x.rank} axes`);
    }
    return [ctx.like(x.transpose(perm))];
  },
  Squeeze: (ctx) => {
    const x = ctx.tensor(0);
    const axes = axesOf(ctx, 13);
    return [ctx.like(axes === undefined ? x.squeeze() : x.squeeze(axes.map((a) => ctx.axis(a, x.rank))))];
  },
  Unsqueeze: (ctx) => {
    const x = ctx.tensor(0);
    const axes = axesOf(ctx, 13) ?? ctx.fail('needs axes');
    const rank = x.rank + axes.length;
    const norm = axes.map((a) => ctx.axis(a, rank));
    if (new Set(norm).size !== norm.length) ctx.fail(`axes [${axes.join(',')}] repeat an axis`);
    const shape: number[] = [];
    let k = 0;
    for (let i = 0; i < rank; i++) shape.push(norm.includes(i) ? 1 : x.shape[k++]!);
    return [ctx.like(x.reshape(shape))];
  },
  Concat: (ctx) => {
    const parts = Array.from({ length: ctx.inputCount }, (_, i) => ctx.tensor(i));
    const axis = ctx.axis(ctx.int('axis', 0), parts[0]!.rank);
    const nonEmpty = parts.filter((p) => p.size > 0);
    if (nonEmpty.length === 0) {
      const shape = [...parts[0]!.shape];
      shape[axis] = parts.reduce((s, p) => s + p.shape[axis]!, 0);
      return [ctx.like(Tensor.zeros(shape, parts[0]!.dtype))];
    }
    return [ctx.like(Tensor.concat(nonEmpty, axis))];
  },
  Expand: (ctx) => {
    const x = ctx.tensor(0);
    const shape = ctx.ints(1) ?? ctx.fail('needs a shape');
    const target = broadcastShapes(x.shape, shape, ctx.where);
    return [ctx.like(x.broadcastTo(ctx.guard(target)))];
  },
  Tile: (ctx) => {
    const x = ctx.tensor(0);
    const reps = ctx.ints(1) ?? ctx.fail('needs repeats');
    if (reps.length !== x.rank || reps.some((r) => r < 0))
      ctx.fail(`repeats [${reps.join(',')}] do not fit rank ${x.rank}`);
    const out = x.shape.map((d, i) => d * reps[i]!);
    ctx.guard(out);
    if (prod(out) === 0) return [ctx.like(Tensor.zeros(out, x.dtype))];
    const interleaved = x.shape.flatMap((d) => [1, d]);
    const spread = x.shape.flatMap((d, i) => [reps[i]!, d]);
    return [ctx.like(x.reshape(interleaved).broadcastTo(spread).reshape(out))];
  },
  ConstantOfShape: (ctx) => {
    const shape = ctx.ints(0) ?? ctx.fail('needs a shape');
    ctx.guard(shape);
    const fill = ctx.tensorAttr('value');
    const elem = fill?.elem ?? 'float32';
    const v = fill?.data[0] ?? 0;
    return [Value.of(Tensor.full(shape, v, protocolDType(elem)), elem, false)];
  },
  Range: (ctx) => {
    const [start, limit, delta] = [0, 1, 2].map(
      (i) => ctx.numbers(i)?.[0] ?? ctx.fail(`input ${i} is required`),
    );
    if (delta === 0) ctx.fail('delta is 0');
    const n = Math.max(Math.ceil((limit! - start!) / delta!), 0);
    ctx.guard([n]);
    const elem = ctx.elem(0);
    const values = Array.from({ length: n }, (_, i) => start! + i * delta!);
    return [hostValue(elem, [n], values)];
  },
  Split: (ctx) => {
    const x = ctx.tensor(0);
    const axis = ctx.axis(ctx.int('axis', 0), x.rank);
    const sizes = splitSizes(ctx, x.shape[axis]!);
    let offset = 0;
    return sizes.map((s) => {
      const begin = x.shape.map((_, i) => (i === axis ? offset : 0));
      const end = x.shape.map((d, i) => (i === axis ? offset + s : d));
      offset += s;
      return ctx.like(
        s === 0
          ? Tensor.zeros(
              end.map((e, i) => e - begin[i]!),
              x.dtype,
            )
          : x.slice(begin, end),
      );
    });
  },
};
