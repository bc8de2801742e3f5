import { spawnSync } from 'node:child_process';
import { writeTorchScriptArchive } from '../archive/archive.ts';
import { TORCH_REQUIREMENT } from '../bridge/process.ts';
import type { WireTensor } from '../bridge/protocol.ts';
import { TorchWorker } from '../bridge/worker.ts';
import { type Graph, runGraph, type TypedArray } from '../core.ts';
import { type LowerOptions, lowerGraph } from '../lower/lower.ts';

/**
 * Test helpers. Every test file shares one worker (started once, closed in afterAll). If Python
 * or torch is missing, the worker's start fails with a ReptileError naming exactly what to
 * install (`python3 -m pip install torch==2.13.0`), so tests fail loudly instead of skipping.
 */
export function testWorker(): TorchWorker {
  return new TorchWorker({ timeoutMs: 60_000 });
}

let artifactCounter = 0;

/** Lowers, archives, loads and runs `graph` on torch with `inputs`; returns the outputs' data. */
export async function runOnTorch(
  worker: TorchWorker,
  graph: Graph,
  inputs: readonly TypedArray[],
  options: LowerOptions = {},
): Promise<TypedArray[]> {
  const name = `test${artifactCounter++}`;
  await worker.load(name, writeTorchScriptArchive(lowerGraph(graph, options)));
  const wire: WireTensor[] = graph.inputs.map((n, i) => ({
    dtype: n.dtype,
    shape: n.shape,
    data: inputs[i]!,
  }));
  const out = await worker.run(name, wire);
  await worker.unload(name);
  return out.map((t) => t.data);
}

/** The reference backend's outputs for the same graph and inputs. */
export function runOnReference(graph: Graph, inputs: readonly TypedArray[]): TypedArray[] {
  return runGraph(graph, inputs);
}

/**
 * Compares two arrays element by element: NaN matches NaN, the sign of zero must match (unless
 * `signedZero` is false), and float32 values may differ by up to `ulps` units in the last place.
 * Returns a description of the first difference, or undefined when they agree.
 */
export function difference(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  options: { ulps?: number; signedZero?: boolean } = {},
): string | undefined {
  if (got.length !== want.length) return `length ${got.length} vs ${want.length}`;
  const ulps = options.ulps ?? 0;
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (Number.isNaN(w) && Number.isNaN(g)) continue;
    if (g === w && (options.signedZero === false || Object.is(g, w))) continue;
    if (ulps > 0 && Number.isFinite(g) && Number.isFinite(w) && ulpDistance32(g, w) <= ulps) continue;
    return `[${i}]: got ${Object.is(g, -0) ? '-0' : g}, want ${Object.is(w, -0) ? '-0' : w}`;
  }
  return undefined;
}

function ulpDistance32(a: number, b: number): number {
  const bits = new Int32Array(new Float32Array([a, b]).buffer);
  const order = (x: number) => (x < 0 ? -2147483648 - x : x); // monotone map of float bits
  return Math.abs(order(bits[0]!) - order(bits[1]!));
}

/**
 * Runs a Python snippet synchronously (stdin → stdout) and returns its stdout. Fails with the
 * exact install command when python3 or torch is missing, never skips.
 */
export function runPython(code: string, input: string | Uint8Array = ''): string {
  const python = process.env.REPTILE_PYTHON ?? 'python3';
  const result = spawnSync(python, ['-c', code], { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (result.error) {
    throw new Error(
      `cannot run '${python}' (${result.error.message}): install Python 3 and PyTorch with \`python3 -m pip install ${TORCH_REQUIREMENT}\``,
    );
  }
  if (result.status !== 0) {
    if (/No module named 'torch'/.test(result.stderr)) {
      throw new Error(
        `PyTorch is missing: install it with \`${python} -m pip install ${TORCH_REQUIREMENT}\``,
      );
    }
    throw new Error(`python failed (status ${result.status}):\n${result.stderr}`);
  }
  return result.stdout;
}
