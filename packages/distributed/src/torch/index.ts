export { TorchZooKeeperRank } from './zookeeper-torch.ts';
