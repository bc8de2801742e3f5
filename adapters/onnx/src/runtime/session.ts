import { createRequire } from 'node:module';
import { ReptileError } from '@reptile/core';
import ort from 'onnxruntime-node';

/**
 * Two ways to run a model on onnxruntime-node 1.30:
 *
 * - the public API (`InferenceSession.create/run`), which is async — but only nominally: its
 *   `run` defers the native binding's *synchronous* run with setImmediate, so the work still
 *   happens on the JS thread;
 * - that native binding itself (`onnxruntime-node/dist/binding.js`), whose `loadModel` and `run`
 *   are synchronous. Reptile's `Backend.run` is synchronous, so the backend uses it. It is an
 *   internal module of the pinned version; if a future release moves it, `nativeAvailable()` turns
 *   false and sync runs fail with a hint to use the async API (docs/onnx.md, "Sync and async").
 */

export type Feeds = Record<string, ort.Tensor>;
export type Results = Record<string, ort.Tensor>;

/** Session settings Reptile exposes; passed through to onnxruntime's SessionOptions. */
export interface SessionConfig {
  /** Execution providers in preference order, e.g. ['cuda', 'cpu']. Default ['cpu']. */
  readonly executionProviders?: readonly string[];
  /** Threads inside one op (0 = onnxruntime's default, one per physical core). */
  readonly intraOpNumThreads?: number;
  /** Threads across independent ops (only used with executionMode 'parallel'). */
  readonly interOpNumThreads?: number;
  readonly executionMode?: 'sequential' | 'parallel';
  readonly graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /** 0 verbose … 4 fatal; default 3 (errors), so onnxruntime's warnings do not flood test output. */
  readonly logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
}

export function sessionOptions(config: SessionConfig): ort.InferenceSession.SessionOptions {
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: [...(config.executionProviders ?? ['cpu'])],
    graphOptimizationLevel: config.graphOptimizationLevel ?? 'all',
    logSeverityLevel: config.logSeverityLevel ?? 3,
  };
  if (config.intraOpNumThreads !== undefined) options.intraOpNumThreads = config.intraOpNumThreads;
  if (config.interOpNumThreads !== undefined) options.interOpNumThreads = config.interOpNumThreads;
  if (config.executionMode !== undefined) options.executionMode = config.executionMode;
  return options;
}

interface NativeSession {
  loadModel(buffer: ArrayBufferLike, byteOffset: number, byteLength: number, options: object): void;
  run(feeds: Feeds, fetches: Record<string, ort.Tensor | null>, options: object): Results;
  dispose(): void;
}

interface NativeBinding {
  binding: { InferenceSession: new () => NativeSession };
  initOrt: () => void;
}

let native: NativeBinding | null | undefined;

function loadNative(): NativeBinding | null {
  if (native === undefined) {
    try {
      const require = createRequire(import.meta.url);
      const mod = require('onnxruntime-node/dist/binding.js') as Partial<NativeBinding>;
      native =
        typeof mod.binding?.InferenceSession === 'function' && typeof mod.initOrt === 'function'
          ? (mod as NativeBinding)
          : null;
    } catch {
      native = null;
    }
  }
  return native;
}

/** Whether synchronous runs are possible with the installed onnxruntime-node. */
export function nativeAvailable(): boolean {
  return loadNative() !== null;
}

/** One loaded model. `runSync` exists only for sessions built on the native binding. */
export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  runSync?(feeds: Feeds, fetches?: Record<string, ort.Tensor | null>): Results;
  run(feeds: Feeds): Promise<Results>;
  release(): void;
}

function fetchesFor(names: readonly string[]): Record<string, null> {
  return Object.fromEntries(names.map((n) => [n, null]));
}

/** Builds a session synchronously on the native binding. */
export function createSessionSync(
  bytes: Uint8Array,
  config: SessionConfig,
  names: { inputs: readonly string[]; outputs: readonly string[] },
): OrtSession {
  const nb = loadNative();
  if (!nb) {
    throw new ReptileError('the synchronous onnxruntime binding is not available in this onnxruntime-node', {
      where: 'onnx backend',
      hint: 'use the async API (OnnxBackend.runAsync, CompiledGraph.runAsync) or install onnxruntime-node 1.30.0',
    });
  }
  nb.initOrt();
  const session = new nb.binding.InferenceSession();
  session.loadModel(bytes.buffer, bytes.byteOffset, bytes.byteLength, sessionOptions(config));
  const all = fetchesFor(names.outputs);
  let released = false;
  return {
    inputNames: names.inputs,
    outputNames: names.outputs,
    runSync: (feeds, fetches) => session.run(feeds, fetches ?? { ...all }, {}),
    run: (feeds) =>
      new Promise((resolve, reject) =>
        setImmediate(() => {
          try {
            resolve(session.run(feeds, { ...all }, {}));
          } catch (err) {
            reject(err);
          }
        }),
      ),
    release: () => {
      if (!released) session.dispose();
      released = true;
    },
  };
}

/** Builds a session through the public async API. */
export async function createSessionAsync(bytes: Uint8Array, config: SessionConfig): Promise<OrtSession> {
  const session = await ort.InferenceSession.create(bytes, sessionOptions(config));
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    run: (feeds) => session.run(feeds),
    release: () => void session.release(),
  };
}
