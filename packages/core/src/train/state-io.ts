import { asObject } from '../config/validate.ts';
import { fail } from '../errors.ts';
import { deserializeState, serializeState } from '../optim/state-io.ts';
import type { TrainerState } from './trainer.ts';

/**
 * A trainer state as JSON-safe data (tensors as base64 little-endian bytes), so a checkpoint
 * resumes bit-identically on the reference backend.
 */
export function serializeTrainerState(state: TrainerState): unknown {
  return serializeState(state);
}

export function deserializeTrainerState(value: unknown, where = 'trainer state'): TrainerState {
  const obj = asObject(deserializeState(value, where), where);
  for (const key of ['optimizer', 'accumulation', 'skipped']) {
    if (!(key in obj))
      fail(`missing '${key}'`, { where, hint: 'pass data written by serializeTrainerState' });
  }
  return { ema: undefined, ...obj } as unknown as TrainerState;
}
