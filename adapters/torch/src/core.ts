/**
 * The one place this adapter reaches into core. The workspace is not linked yet (`@reptile/core`
 * does not resolve until `pnpm install` links workspace packages), so this re-exports core's
 * source by path; switching to the package import is a change to this file only. The last lines
 * reach past core's index for internals this adapter needs (see docs/torch.md).
 */

export * from '../../../packages/core/src/index.ts';
export { isElementwise } from '../../../packages/core/src/ir/op.ts';
export { proposer, zookeeperConfig } from '../../../packages/core/src/optim/zookeeper.ts';
export { formatShape, sameShape } from '../../../packages/core/src/shape.ts';
