import {
  ELASTIC,
  type FrontendWorld,
  frontendZooKeeperSuite,
  LOCAL_SGD,
  SYNC_MOMENTUM,
  SYNC_SGD,
} from '../testing/frontend-suite.ts';

/**
 * ZOOKEEPER.md's properties with the proposal step in PyTorch (one TorchScript worker per rank),
 * over real 2-rank worlds. Without python3 + torch the ranks fail at start with the install
 * command (adapters/torch/src/testing's convention): these tests fail loudly, never skip.
 */
const WORLDS: FrontendWorld[] = [
  { name: 'local K=2 β=1 H=1', transport: 'local', n: 2, zk: SYNC_SGD },
  { name: 'local K=2 β=½ H=2', transport: 'local', n: 2, zk: ELASTIC },
  { name: 'local K=2 β=1 H=3 (local SGD)', transport: 'local', n: 2, zk: LOCAL_SGD },
  // Momentum and MPI in one world: each world starts two Python workers, keep the file < 60 s.
  { name: 'mpi K=2 β=1 H=1 momentum', transport: 'mpi', n: 2, zk: SYNC_MOMENTUM },
];

frontendZooKeeperSuite('torch', /^torch 2\./, WORLDS);
