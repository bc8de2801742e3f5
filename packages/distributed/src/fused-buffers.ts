import { type Collective, type FloatBuffer, fail } from './core.ts';

/**
 * The fused collectives of a ZooKeeper rank on host memory: every frontend (reference tensors,
 * ONNX, TorchScript) ends a step with plain typed arrays, so the part that communicates is written
 * once here. Each call fuses its arrays into one buffer per dtype (normally one) and makes one
 * collective call per buffer.
 */

/** What some transports offer beyond Collective: reducing in place, in their own shared memory. */
interface InPlaceCollective {
  allreduceMeanInPlace?(buffer: FloatBuffer): void;
  stagingBuffer?(length: number, dtype: 'float32' | 'float64'): FloatBuffer;
  readonly slotBytes?: number;
}

/** The rank mean of each array: one allreduce per dtype present. Returns fresh arrays. */
export function fusedMeanBuffers(
  collective: Collective,
  values: readonly ArrayLike<number>[],
): FloatBuffer[] {
  return byDtype(values, (group, dtype) => meanOfGroup(collective, group, dtype));
}

/** Rank `root`'s arrays on every rank: one broadcast per dtype present. Returns fresh arrays. */
export function fusedBroadcastBuffers(
  collective: Collective,
  values: readonly ArrayLike<number>[],
  root = 0,
): FloatBuffer[] {
  return byDtype(values, (group, dtype) => {
    const flat = dtype === 'float64' ? new Float64Array(total(group)) : new Float32Array(total(group));
    fill(flat, group);
    return split(collective.broadcast(flat, root), group, dtype);
  });
}

/**
 * Fusing float32 arrays into a float64 buffer would round their mean twice and break
 * bit-equality with the in-process simulation, hence one buffer per dtype. Where the transport
 * allows, the arrays are copied straight into its staging memory and reduced in place (no buffer
 * allocated per step); otherwise through Collective.allreduceMean. Same result either way.
 */
function meanOfGroup(
  collective: Collective,
  group: readonly ArrayLike<number>[],
  dtype: 'float32' | 'float64',
): FloatBuffer[] {
  const n = total(group);
  const t = collective as Collective & InPlaceCollective;
  let buffer: FloatBuffer =
    t.stagingBuffer && t.allreduceMeanInPlace && n * (dtype === 'float64' ? 8 : 4) <= (t.slotBytes ?? 0)
      ? t.stagingBuffer(n, dtype)
      : dtype === 'float64'
        ? new Float64Array(n)
        : new Float32Array(n);
  fill(buffer, group);
  if (t.allreduceMeanInPlace) t.allreduceMeanInPlace(buffer);
  else buffer = collective.allreduceMean(buffer);
  if (buffer.length !== n) {
    fail(`the collective returned ${buffer.length} values for ${n}`, {
      where: 'zookeeper rank',
      hint: 'every rank must pass the same tensors in the same order',
    });
  }
  // split copies each part out, so the staging memory is free again.
  return split(buffer, group, dtype);
}

const total = (group: readonly ArrayLike<number>[]): number => group.reduce((n, v) => n + v.length, 0);

function fill(buffer: FloatBuffer, group: readonly ArrayLike<number>[]): void {
  let offset = 0;
  for (const v of group) {
    buffer.set(v, offset);
    offset += v.length;
  }
}

function split(
  buffer: FloatBuffer,
  like: readonly ArrayLike<number>[],
  dtype: 'float32' | 'float64',
): FloatBuffer[] {
  let offset = 0;
  return like.map((v) => {
    const part = buffer.subarray(offset, offset + v.length);
    offset += v.length;
    return dtype === 'float64' ? Float64Array.from(part) : Float32Array.from(part);
  });
}

/** The dtype an array is averaged in: float64 for Float64Array, float32 for Float32Array. */
export function floatDtype(v: ArrayLike<number>): 'float32' | 'float64' | undefined {
  if (v instanceof Float64Array) return 'float64';
  if (v instanceof Float32Array) return 'float32';
  return undefined;
}

/** Applies `fn` to the arrays of each dtype (in a fixed dtype order) and restores the order. */
function byDtype(
  values: readonly ArrayLike<number>[],
  fn: (group: ArrayLike<number>[], dtype: 'float32' | 'float64') => FloatBuffer[],
): FloatBuffer[] {
  const dtypes = values.map((v, i) => {
    const d = floatDtype(v);
    if (d === undefined) {
      fail(
        `tensor ${i} is ${v.constructor.name.replace(/Array$/, '').toLowerCase()}; only float32/float64 state can be averaged`,
        {
          where: 'zookeeper rank',
          hint: 'keep integer counters out of the averaged state',
        },
      );
    }
    return d;
  });
  const out: FloatBuffer[] = new Array(values.length);
  for (const dtype of ['float32', 'float64'] as const) {
    const index = dtypes.flatMap((d, i) => (d === dtype ? [i] : []));
    if (index.length === 0) continue;
    const result = fn(
      index.map((i) => values[i]!),
      dtype,
    );
    index.forEach((i, k) => {
      out[i] = result[k]!;
    });
  }
  return out;
}
