import {
  ELASTIC,
  type FrontendWorld,
  frontendZooKeeperSuite,
  LOCAL_SGD,
  SYNC_MOMENTUM,
  SYNC_SGD,
} from '../testing/frontend-suite.ts';

/** ZOOKEEPER.md's properties with the proposal step on onnxruntime, over real 2-rank worlds. */
const WORLDS: FrontendWorld[] = [
  { name: 'local K=2 β=1 H=1', transport: 'local', n: 2, zk: SYNC_SGD },
  { name: 'local K=2 β=1 H=1 momentum', transport: 'local', n: 2, zk: SYNC_MOMENTUM },
  { name: 'local K=2 β=½ H=2', transport: 'local', n: 2, zk: ELASTIC },
  { name: 'local K=2 β=1 H=3 (local SGD)', transport: 'local', n: 2, zk: LOCAL_SGD },
  { name: 'mpi K=2 β=1 H=1', transport: 'mpi', n: 2, zk: SYNC_SGD },
];

frontendZooKeeperSuite('onnx', /^onnxruntime /, WORLDS);
