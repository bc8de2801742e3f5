import { norm } from '../tensor/composite.ts';
import { Tensor } from '../tensor/tensor.ts';
import { type GradientTransformation, stateless } from './transform.ts';

/**
 * LAMB's layer-wise trust ratio (You et al. 2020): u ← u · ‖p‖/‖u‖ per tensor, or u unchanged
 * when either norm is 0 (a freshly zero-initialised bias would otherwise never move).
 */
export function scaleByTrustRatio(): GradientTransformation<null> {
  return stateless((u, p) => {
    const pn = norm(p);
    const un = norm(u);
    const trust = Tensor.where(pn.gt(0).logicalAnd(un.gt(0)), pn.div(un), 1);
    return u.mul(trust);
  });
}
