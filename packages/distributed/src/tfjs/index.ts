export {
  type ModelLike,
  type ModelWeight,
  shardRows,
  ZooKeeperTfjsOptimizer,
  type ZooKeeperTfjsOptions,
  zookeeper,
} from './zookeeper-tfjs.ts';
