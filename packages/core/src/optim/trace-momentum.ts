import { Tensor } from '../tensor/tensor.ts';
import { checkSlots, type GradientTransformation, zerosLike } from './transform.ts';

export interface TraceMomentumOptions {
  readonly momentum: number;
  readonly dampening?: number;
  readonly nesterov?: boolean;
}

export interface TraceMomentumState {
  readonly buf: readonly Tensor[];
}

/**
 * torch.optim.SGD's momentum buffer: b ← μ·b + (1 − dampening)·g, except that on the first
 * update b ← g undamped (torch seeds the buffer with a clone of the gradient). With dampening 0
 * that equals starting from a zero buffer, which is also what RMSprop's and ZooKeeper's
 * heavy-ball use. Output is b, or g + μ·b with Nesterov.
 */
export function traceMomentum(options: TraceMomentumOptions): GradientTransformation<TraceMomentumState> {
  const mu = options.momentum;
  const keep = 1 - (options.dampening ?? 0);
  const nesterov = options.nesterov ?? false;
  return {
    init: (params) => ({ buf: zerosLike(params) }),
    update(updates, state, params, ctx) {
      const bufs = checkSlots(state.buf, params, 'traceMomentum.buf');
      const first = ctx.step.eq(1);
      const buf = updates.map((g, i) => {
        const decayed = bufs[i]!.mul(mu);
        const next = keep === 1 ? decayed.add(g) : decayed.add(g.mul(keep));
        return keep === 1 ? next : Tensor.where(first, g, next);
      });
      const out = nesterov ? updates.map((g, i) => g.add(buf[i]!.mul(mu))) : buf;
      return { updates: out, state: { buf } };
    },
  };
}
