import { randomNormalArray, seededRandom } from '../random.ts';
import { fail, type Optimizer, optimizerFromConfig, settle, Tensor } from '../workspace.ts';
import {
  type BenchEntry,
  type BenchOptions,
  type BenchResult,
  type BenchSuite,
  sizeLabel,
  timeRatio,
} from './bench.ts';
import { adamBuffers, fusedAdamStep, fusedSgdStep, sgdBuffers } from './fused.ts';
import { recycleEntry } from './recycle-entry.ts';
import { interleavedMedians } from './timing.ts';

/** A hand-written in-place loop the Reptile optimizer is measured against. */
interface Peer<S> {
  readonly name: string;
  init(params: readonly Float32Array[]): S;
  step(params: Float32Array[], grads: readonly Float32Array[], state: S): void;
}

const ADAM = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
const SGD = { lr: 0.01, momentum: 0.9 };

/** Steps compared before timing: enough for bias corrections and momentum to matter. */
const VERIFY_STEPS = 3;
/**
 * Agreement "within float32 rounding": a few ulps (2^-23 ≈ 1.2e-7) of the magnitudes involved.
 * Measured against |start| + |end| rather than |end| alone, because p − lr·u cancels when the
 * update nearly equals the parameter, and the rounding error is that of the operands.
 */
const VERIFY_RTOL = 1e-6;
const VERIFY_ATOL = 1e-8;

export const coreSuite: BenchSuite = {
  name: 'core',
  description: 'reference-backend optimizer steps against fused hand-written loops',
  entries: (o) => [
    optimizerEntry(
      `core.adam.${sizeLabel(o.size)}`,
      'Adam step (torch defaults)',
      { name: 'adam', ...ADAM },
      {
        name: 'fused JS Adam loop',
        init: adamBuffers,
        step: (p, g, s) => fusedAdamStep(ADAM, p, g, s),
      },
    ),
    optimizerEntry(
      `core.sgd.${sizeLabel(o.size)}`,
      'SGD step, momentum 0.9',
      { name: 'sgd', ...SGD },
      {
        name: 'fused JS SGD loop',
        init: sgdBuffers,
        step: (p, g, s) => fusedSgdStep(SGD, p, g, s),
      },
    ),
    recycleEntry,
  ],
};

/** The ratio the core optimizer entries aim for: Reptile within 3× of the fused loop. */
export const CORE_TARGET_RATIO = 0.33;

function optimizerEntry<S>(name: string, what: string, config: object, peer: Peer<S>): BenchEntry {
  return {
    name,
    description: `${what}: reference backend via optimizerFromConfig + realise each step, vs ${peer.name}`,
    run(options: BenchOptions): BenchResult {
      const { params, grads } = benchData(options);
      const opt = optimizerFromConfig(config, `bench ${name}`);
      const maxAbsDiff = verify(name, opt, peer, params, grads);

      const gradTensors = grads.map((g) => Tensor.fromData(g, [g.length]));
      let ps = params.map((p) => Tensor.fromData(p.slice(), [p.length]));
      let state = opt.init(ps);
      const peerParams = params.map((p) => p.slice());
      const peerState = peer.init(peerParams);
      const [reptileMs, peerMs] = interleavedMedians(
        [
          () => {
            ({ params: ps, state } = settle(opt.step(ps, gradTensors, state)));
          },
          () => peer.step(peerParams, grads, peerState),
        ],
        options,
      );
      return {
        name,
        value: reptileMs!,
        unit: 'ms/step',
        peer: peer.name,
        peerValue: peerMs!,
        ratio: timeRatio(reptileMs!, peerMs!),
        target: CORE_TARGET_RATIO,
        maxAbsDiff,
      };
    },
  };
}

/** Seeded N(0,1) params and gradients, split into `tensors` nearly equal pieces. */
function benchData(o: BenchOptions): { params: Float32Array[]; grads: Float32Array[] } {
  if (o.tensors > o.size)
    fail(`${o.tensors} tensors cannot split ${o.size} params`, { where: 'bench', hint: 'lower --tensors' });
  const random = seededRandom(o.seed);
  const sizes = Array.from(
    { length: o.tensors },
    (_, i) => Math.floor(((i + 1) * o.size) / o.tensors) - Math.floor((i * o.size) / o.tensors),
  );
  return {
    params: sizes.map((n) => randomNormalArray(n, random)),
    grads: sizes.map((n) => randomNormalArray(n, random)),
  };
}

/**
 * Runs both implementations from the same start and refuses to time them unless they agree (a
 * benchmark of wrong code is worthless) and actually moved the parameters.
 */
function verify<S>(
  name: string,
  opt: Optimizer,
  peer: Peer<S>,
  params: readonly Float32Array[],
  grads: readonly Float32Array[],
): number {
  let ps = params.map((p) => Tensor.fromData(p.slice(), [p.length]));
  const gs = grads.map((g) => Tensor.fromData(g, [g.length]));
  let state = opt.init(ps);
  const peerParams = params.map((p) => p.slice());
  const peerState = peer.init(peerParams);
  for (let s = 0; s < VERIFY_STEPS; s++) {
    ({ params: ps, state } = settle(opt.step(ps, gs, state)));
    peer.step(peerParams, grads, peerState);
  }
  let maxAbsDiff = 0;
  let moved = 0;
  ps.forEach((t, k) => {
    const got = t.data();
    const want = peerParams[k]!;
    for (let i = 0; i < want.length; i++) {
      const diff = Math.abs(got[i]! - want[i]!);
      maxAbsDiff = Math.max(maxAbsDiff, diff);
      moved = Math.max(moved, Math.abs(want[i]! - params[k]![i]!));
      if (!(diff <= VERIFY_ATOL + VERIFY_RTOL * (Math.abs(want[i]!) + Math.abs(params[k]![i]!)))) {
        fail(
          `Reptile and the ${peer.name} disagree after ${VERIFY_STEPS} steps at tensor ${k}[${i}]: ${got[i]} vs ${want[i]}`,
          {
            where: `bench ${name}`,
            hint: 'one of the two implementations is wrong; the timing would be meaningless',
          },
        );
      }
    }
  });
  if (moved === 0) fail('the parameters did not change during verification', { where: `bench ${name}` });
  return maxAbsDiff;
}
