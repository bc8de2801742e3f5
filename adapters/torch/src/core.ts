/**
 * The one place this adapter reaches into core. Beside the public package it needs four
 * internals core's index does not export (see docs/torch.md): the elementwise test the lowering
 * fuses by, ZooKeeper's proposer and config reader for the TorchScript ZooKeeper step, and shape
 * formatting; they are imported by path so that the public API stays small.
 */

export * from '@reptile/core';
export { isElementwise } from '../../../packages/core/src/ir/op.ts';
export { proposer, zookeeperConfig } from '../../../packages/core/src/optim/zookeeper.ts';
export { formatShape, sameShape } from '../../../packages/core/src/shape.ts';
