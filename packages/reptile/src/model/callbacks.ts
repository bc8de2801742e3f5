import { readFile } from 'node:fs/promises';
import { fail, type TypedArray } from '@reptile/core';
import { writeFileAtomic } from '../atomic.ts';
import type { EpochLogs, History } from './history.ts';

/** What a callback may do to the run in progress. */
export interface TrainingControl {
  readonly epochs: number;
  /** Ends training after the current epoch. */
  stop(): void;
  learningRate(): number;
  setLearningRate(lr: number): void;
  getWeights(): Promise<TypedArray[]>;
  setWeights(weights: readonly TypedArray[]): void;
  /** Everything needed to resume this run, as JSON (see Checkpoint). */
  checkpoint(): Promise<unknown>;
  readonly history: History;
}

/**
 * Hooks into `model.fit` (FitOptions.callbacks); every hook is optional. Fit awaits each hook,
 * calling the callbacks in the order given. Epochs are numbered from 1 (a resumed run continues
 * the count); `control` lets a hook stop training, change the learning rate or read weights.
 */
export interface Callback {
  /** Before the first epoch (after any checkpoint was restored). */
  onTrainBegin?(control: TrainingControl): void | Promise<void>;
  /** Before epoch `epoch` trains; a learning rate set here applies to the whole epoch. */
  onEpochBegin?(epoch: number, control: TrainingControl): void | Promise<void>;
  /** After epoch `epoch`, with its logs (loss, metrics, val_ metrics, lr, seconds). */
  onEpochEnd?(epoch: number, logs: EpochLogs, control: TrainingControl): void | Promise<void>;
  /** After the last epoch, or after the epoch in which stop() was called. */
  onTrainEnd?(control: TrainingControl): void | Promise<void>;
  /**
   * A checkpoint to resume from, read before training starts (undefined: start fresh). The
   * first callback that returns one wins.
   */
  resumeState?(): Promise<unknown | undefined>;
}

type Mode = 'min' | 'max' | 'auto';
const better = (mode: Mode, monitor: string) =>
  (mode === 'auto' ? (/loss|error|mse|mae/.test(monitor) ? 'min' : 'max') : mode) === 'min'
    ? (a: number, b: number, delta: number) => a < b - delta
    : (a: number, b: number, delta: number) => a > b + delta;

function monitored(logs: EpochLogs, monitor: string, who: string): number {
  const v = logs[monitor];
  if (v === undefined)
    fail(`metric '${monitor}' is not in the epoch logs`, {
      where: who,
      hint: `available: ${Object.keys(logs).join(', ')}${monitor.startsWith('val_') ? ' (val_ metrics need validation data)' : ''}`,
    });
  return v;
}

export interface EarlyStoppingOptions {
  readonly monitor?: string;
  readonly patience?: number;
  readonly minDelta?: number;
  readonly mode?: Mode;
  /** Put back the weights of the best epoch when stopping (default true). */
  readonly restoreBestWeights?: boolean;
}

/** Stops when `monitor` has not improved by minDelta for `patience` epochs. */
export function earlyStopping(
  options: EarlyStoppingOptions = {},
): Callback & { stoppedEpoch: number | undefined; bestEpoch: number | undefined } {
  const monitor = options.monitor ?? 'val_loss';
  const patience = options.patience ?? 5;
  const improves = better(options.mode ?? 'auto', monitor);
  let best: number | undefined;
  let wait = 0;
  let bestWeights: TypedArray[] | undefined;
  const state = {
    stoppedEpoch: undefined as number | undefined,
    bestEpoch: undefined as number | undefined,
    async onEpochEnd(epoch: number, logs: EpochLogs, control: TrainingControl) {
      const value = monitored(logs, monitor, 'earlyStopping');
      if (best === undefined || improves(value, best, options.minDelta ?? 0)) {
        best = value;
        wait = 0;
        state.bestEpoch = epoch;
        if (options.restoreBestWeights ?? true)
          bestWeights = (await control.getWeights()).map((w) => w.slice());
        return;
      }
      if (++wait >= patience) {
        state.stoppedEpoch = epoch;
        control.stop();
      }
    },
    onTrainEnd(control: TrainingControl) {
      if (state.stoppedEpoch !== undefined && bestWeights) control.setWeights(bestWeights);
    },
  };
  return state;
}

/** Sets the learning rate at the start of every epoch from `schedule(epoch, currentLr)`; epochs count from 1. */
export function learningRateScheduler(schedule: (epoch: number, lr: number) => number): Callback {
  return {
    onEpochBegin(epoch, control) {
      control.setLearningRate(schedule(epoch, control.learningRate()));
    },
  };
}

export interface ReduceOnPlateauOptions {
  readonly monitor?: string;
  readonly factor?: number;
  readonly patience?: number;
  readonly minLr?: number;
  readonly mode?: Mode;
}

/** Multiplies the learning rate by `factor` after `patience` epochs without improvement. */
export function reduceLearningRateOnPlateau(options: ReduceOnPlateauOptions = {}): Callback {
  const monitor = options.monitor ?? 'val_loss';
  const factor = options.factor ?? 0.1;
  if (!(factor > 0 && factor < 1))
    fail(`factor ${factor} must be in (0, 1)`, { where: 'reduceLearningRateOnPlateau' });
  const improves = better(options.mode ?? 'auto', monitor);
  let best: number | undefined;
  let wait = 0;
  return {
    onEpochEnd(_epoch, logs, control) {
      const value = monitored(logs, monitor, 'reduceLearningRateOnPlateau');
      if (best === undefined || improves(value, best, 0)) {
        best = value;
        wait = 0;
      } else if (++wait >= (options.patience ?? 3)) {
        control.setLearningRate(Math.max(control.learningRate() * factor, options.minLr ?? 0));
        wait = 0;
      }
    },
  };
}

/** Writes the history as JSON after every epoch (atomically), for `reptile plot` or a dashboard. */
export function historyLog(path: string): Callback {
  return {
    async onEpochEnd(_epoch, _logs, control) {
      await writeFileAtomic(path, `${JSON.stringify(control.history.toJSON(), null, 1)}\n`);
    },
  };
}

export interface CheckpointOptions {
  readonly path: string;
  /** Only write when `monitor` improved (default: every epoch). */
  readonly monitor?: string;
  readonly mode?: Mode;
  /** Resume from `path` when it exists: weights, optimizer state, epoch and history. */
  readonly resume?: boolean;
}

/**
 * Saves everything needed to resume (model config and weights, optimizer state, noise
 * generator, epoch, history) as one JSON file, written atomically (temp file + rename) so a
 * crash mid-write never leaves a torn checkpoint.
 */
export function checkpoint(options: CheckpointOptions): Callback {
  const improves = options.monitor ? better(options.mode ?? 'auto', options.monitor) : undefined;
  let best: number | undefined;
  return {
    async onEpochEnd(_epoch, logs, control) {
      if (improves && options.monitor) {
        const value = monitored(logs, options.monitor, 'checkpoint');
        if (best !== undefined && !improves(value, best, 0)) return;
        best = value;
      }
      await writeFileAtomic(options.path, JSON.stringify(await control.checkpoint()));
    },
    async resumeState() {
      if (!options.resume) return undefined;
      try {
        return JSON.parse(await readFile(options.path, 'utf8'));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        return fail(`cannot resume: ${(error as Error).message}`, { where: options.path });
      }
    },
  };
}

/** Callback factories, e.g. `callbacks.earlyStopping({ patience: 3 })`. */
export const callbacks = {
  earlyStopping,
  learningRateScheduler,
  reduceLearningRateOnPlateau,
  historyLog,
  checkpoint,
};
