import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// tfjs-core alone registers no gradients; the tfjs-layers bundle (like @tensorflow/tfjs) does.
import '@tensorflow/tfjs-layers';

/**
 * Test helpers: the tfjs backends these tests run on. tfjs-node(-gpu) cannot be installed here
 * (it downloads libtensorflow), and webgl/webgpu need a browser; both are exercised through the
 * same code paths, with their kernel differences probed at run time (quirks.ts).
 */
// Silences tfjs' "install tfjs-node" banner (tfjs-node cannot be installed here). Not IS_TEST:
// that also turns on tfjs' per-kernel leak check, which counts kept caches as leaks.
tf.env().set('PROD', true);

export const TEST_BACKENDS = ['cpu', 'wasm'] as const;
export type TestBackend = (typeof TEST_BACKENDS)[number];

export async function useBackend(name: TestBackend): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tfjs backend '${name}' failed to initialise`);
  await tf.ready();
}

/** Exact equality that treats NaN as equal to NaN and distinguishes −0 from 0. */
export function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}
