/**
 * docs/guide-distributed.md, runnable on any number of workers:
 *   pnpm exec tsx packages/reptile/src/guides/distributed-zookeeper.ts [EPOCHS]      alone (rank 0 of 1)
 *   pnpm reptile launch -n 2 packages/reptile/src/guides/distributed-zookeeper.ts [EPOCHS]
 *   pnpm reptile launch -n 2 --transport mpi packages/reptile/src/guides/distributed-zookeeper.ts
 * Softmax regression on three Gaussian blobs, written with core tensors and trained by
 * ZooKeeper: each rank takes its shard of every epoch, and rank 0 prints the consensus model's
 * loss and test accuracy.
 */
import { grad, materialize, ops, Tensor } from '@reptile/core';
// In your project: import { ... } from '@reptile/distributed' (this package does not depend on it).
import { connect, createRng, shardIndices, zookeeperRank } from '../../../distributed/src/index.ts';

const FEATURES = 2;
const CLASSES = 3;
const BATCH = 16;

/** n rows around three fixed centres, unit-variance noise; rows cycle through the classes. */
export function blobs(n: number, seed: number): { x: Float32Array; y: Int32Array } {
  const rng = createRng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const centres = [
    [3, 0],
    [-1.5, 2.6],
    [-1.5, -2.6],
  ];
  const x = new Float32Array(n * FEATURES);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % CLASSES;
    for (let j = 0; j < FEATURES; j++) x[i * FEATURES + j] = centres[y[i]!]![j]! + normal();
  }
  return { x, y };
}

function rows(data: { x: Float32Array; y: Int32Array }, idx: ArrayLike<number>) {
  const x = new Float32Array(idx.length * FEATURES);
  const y = new Int32Array(idx.length);
  for (let r = 0; r < idx.length; r++) {
    x.set(data.x.subarray(idx[r]! * FEATURES, (idx[r]! + 1) * FEATURES), r * FEATURES);
    y[r] = data.y[idx[r]!]!;
  }
  return { x: Tensor.fromData(x, [idx.length, FEATURES]), y: Tensor.fromData(y, [idx.length], 'int32') };
}

const logits = ([w, b]: readonly Tensor[], x: Tensor) => x.matmul(w!).add(b!);
const loss = (params: readonly Tensor[], x: Tensor, y: Tensor) =>
  ops
    .oneHot(y, CLASSES)
    .mul(ops.logSoftmax(logits(params, x)))
    .sum([1])
    .mean()
    .neg();

export async function main(epochs: number): Promise<void> {
  const world = connect(); // a local worker thread, an MPI process, or a world of one
  const train = blobs(600, 1);
  const test = blobs(300, 2);
  const zk = zookeeperRank({ name: 'zookeeper', lr: 0.1, momentum: 0.9 }, world);
  // Every rank may initialise differently: start() broadcasts rank 0's params.
  let { params, state } = zk.start([Tensor.zeros([FEATURES, CLASSES]), Tensor.zeros([CLASSES])]);
  for (let epoch = 0; epoch < epochs; epoch++) {
    const mine = shardIndices(600, world.rank, world.size, { seed: 7, epoch });
    for (let at = 0; at + BATCH <= mine.length; at += BATCH) {
      const { x, y } = rows(train, mine.subarray(at, at + BATCH));
      const step = zk.step(params, grad(loss(params, x, y), params), state);
      params = materialize(step.params);
      state = step.state;
    }
  }
  const consensus = zk.consensus(params).params; // a collective call: every rank makes it
  const all = rows(
    test,
    Array.from({ length: 300 }, (_, i) => i),
  );
  const testLoss = loss(consensus, all.x, all.y).item();
  const predicted = logits(consensus, all.x).argMax(1).toArray() as number[];
  const accuracy = predicted.filter((c, i) => c === test.y[i]).length / 300;
  if (world.rank === 0) {
    console.log(
      `${world.size} worker(s), ${epochs} epochs: test loss ${testLoss.toFixed(4)}, accuracy ${accuracy.toFixed(3)}`,
    );
    console.log(`RESULT ${JSON.stringify({ size: world.size, loss: testLoss, accuracy })}`);
  }
}

await main(Number(process.argv[2] ?? 5));
