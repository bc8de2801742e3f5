import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';
import {
  type Collective,
  deserializeOptimizerState,
  deserializeState,
  fail,
  type OptimizerState,
  serializeOptimizerState,
  serializeState,
  Tensor,
} from './core.ts';

/** Everything one rank needs to continue exactly where it stopped. */
export interface RankCheckpoint {
  /** Updates applied so far. */
  readonly step: number;
  /** This rank's replica x_k (replicas differ between sync steps). */
  readonly params: readonly Tensor[];
  readonly nonTrainable: readonly Tensor[];
  /** The local optimizer state (momentum buffers, the base optimizer's moments). */
  readonly optimizer: OptimizerState;
  /** State of the rank's random generator (see rng.ts). */
  readonly rng: number;
  /** Where the data stream continues: the epoch and the next batch index in it. */
  readonly data: { readonly epoch: number; readonly batch: number };
  /** Any other JSON the script wants back. */
  readonly extra?: unknown;
}

const RANK_FORMAT = 'reptile.rank-checkpoint';
const MANIFEST = 'manifest.json';
const stepDir = (dir: string, step: number): string => join(dir, `step-${String(step).padStart(9, '0')}`);

/**
 * Writes `data` so a reader sees the old file or the complete new one, never a torn one: a
 * temp file in the same directory, fsync, rename over the target, fsync the directory.
 */
export function writeFileAtomic(path: string, data: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${threadId}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dirFd = openSync(dirname(path), 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

export interface SaveOptions {
  /** x̄ and the mean non-trainable state (from ZooKeeperRank.consensus); rank 0 writes it for evaluation/deployment. */
  readonly consensus?: { readonly params: readonly Tensor[]; readonly nonTrainable: readonly Tensor[] };
  /** Complete checkpoints to keep (older ones are removed by rank 0). Default 2. */
  readonly keep?: number;
}

/**
 * Saves a checkpoint of the whole world; every rank calls it at the same step. Each rank writes
 * its own file atomically; after a barrier (every file is on disk) rank 0 writes the manifest,
 * which is what marks the step complete. A crash at any point leaves the previous complete
 * checkpoint as the latest one.
 */
export function saveCheckpoint(
  dir: string,
  collective: Collective,
  ckpt: RankCheckpoint,
  options: SaveOptions = {},
): void {
  const target = stepDir(dir, ckpt.step);
  const { rank, size } = collective;
  writeFileAtomic(
    join(target, `rank-${rank}.json`),
    JSON.stringify({
      format: RANK_FORMAT,
      version: 1,
      rank,
      size,
      step: ckpt.step,
      params: serializeState([...ckpt.params]),
      nonTrainable: serializeState([...ckpt.nonTrainable]),
      optimizer: serializeOptimizerState(ckpt.optimizer),
      rng: ckpt.rng,
      data: ckpt.data,
      extra: ckpt.extra ?? null,
    }),
  );
  collective.barrier();
  if (rank !== 0) return;
  if (options.consensus) {
    writeFileAtomic(
      join(target, 'consensus.json'),
      JSON.stringify({
        format: 'reptile.consensus',
        version: 1,
        step: ckpt.step,
        params: serializeState([...options.consensus.params]),
        nonTrainable: serializeState([...options.consensus.nonTrainable]),
      }),
    );
  }
  writeFileAtomic(
    join(target, MANIFEST),
    JSON.stringify({ format: 'reptile.checkpoint', version: 1, step: ckpt.step, size }),
  );
  const keep = options.keep ?? 2;
  for (const old of completeSteps(dir).slice(0, -keep))
    rmSync(stepDir(dir, old), { recursive: true, force: true });
}

/** Steps with a manifest (complete checkpoints), ascending. */
export function completeSteps(dir: string): number[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => /^step-(\d+)$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null && existsSync(join(dir, m[0], MANIFEST)))
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/**
 * Loads this rank's part of the latest complete checkpoint, or undefined if there is none.
 * Rank 0 picks the step and broadcasts it, so every rank resumes from the same one. `like`
 * (fresh params, non-trainable state and `optimizer.init(params)`) is checked against the file,
 * so a checkpoint of another model is refused with the path of the first difference.
 */
export function loadCheckpoint(
  dir: string,
  collective: Collective,
  like: { params: readonly Tensor[]; nonTrainable?: readonly Tensor[]; optimizer: OptimizerState },
): RankCheckpoint | undefined {
  const latest = completeSteps(dir).at(-1) ?? -1;
  const step = collective.broadcast(new Float64Array([latest]), 0)[0]!;
  if (step < 0) return undefined;
  const where = `checkpoint ${stepDir(dir, step)}`;
  const manifest = JSON.parse(readFileSync(join(stepDir(dir, step), MANIFEST), 'utf8')) as { size: number };
  if (manifest.size !== collective.size) {
    fail(`was written by ${manifest.size} ranks, this world has ${collective.size}`, {
      where,
      hint: 'resume with the same -n, or start a new run from its consensus.json (loadConsensus)',
    });
  }
  const file = join(stepDir(dir, step), `rank-${collective.rank}.json`);
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  if (raw.format !== RANK_FORMAT || raw.version !== 1 || raw.rank !== collective.rank) {
    fail(`${file} is not rank ${collective.rank}'s checkpoint (format ${RANK_FORMAT}, version 1)`, { where });
  }
  const params = tensorsLike(deserializeState(raw.params, `${where}.params`), like.params, `${where}.params`);
  const nonTrainable = tensorsLike(
    deserializeState(raw.nonTrainable, `${where}.nonTrainable`),
    like.nonTrainable ?? [],
    `${where}.nonTrainable`,
  );
  return {
    step: raw.step as number,
    params,
    nonTrainable,
    optimizer: deserializeOptimizerState(raw.optimizer, like.optimizer, `${where}.optimizer`),
    rng: raw.rng as number,
    data: raw.data as RankCheckpoint['data'],
    ...(raw.extra === null ? {} : { extra: raw.extra }),
  };
}

/** x̄ and the mean non-trainable state of the latest complete checkpoint (for evaluation or a new run). */
export function loadConsensus(
  dir: string,
): { step: number; params: Tensor[]; nonTrainable: Tensor[] } | undefined {
  const step = completeSteps(dir).at(-1);
  if (step === undefined) return undefined;
  const file = join(stepDir(dir, step), 'consensus.json');
  if (!existsSync(file)) return undefined;
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  return {
    step,
    params: deserializeState(raw.params, `${file}.params`) as Tensor[],
    nonTrainable: deserializeState(raw.nonTrainable, `${file}.nonTrainable`) as Tensor[],
  };
}

function tensorsLike(value: unknown, like: readonly Tensor[], where: string): Tensor[] {
  if (!Array.isArray(value) || value.length !== like.length) {
    fail(`holds ${Array.isArray(value) ? value.length : 'no'} tensors, the model has ${like.length}`, {
      where,
    });
  }
  value.forEach((t, i) => {
    const l = like[i]!;
    if (!(t instanceof Tensor) || t.dtype !== l.dtype || t.shape.join(',') !== l.shape.join(',')) {
      fail(`tensor ${i} is ${String(t)}, the model's is ${l}`, { where: `${where}[${i}]` });
    }
  });
  return value as Tensor[];
}
