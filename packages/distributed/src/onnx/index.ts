export { type OnnxRankStep, OnnxZooKeeperRank } from './zookeeper-onnx.ts';
