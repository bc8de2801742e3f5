import type { ConformanceAdapter } from './adapter.ts';
import { createReferenceAdapter } from './adapters/reference.ts';
import { fail } from './core.ts';

/**
 * Frontends known to the runner. A new frontend (tfjs, onnx, torch) adds one entry; `available`
 * lets an entry whose runtime is not installed drop out of the default set with a reason.
 */
export interface AdapterEntry {
  readonly description: string;
  /** undefined when the adapter can run here, else why not. */
  available(): string | undefined;
  create(): ConformanceAdapter | Promise<ConformanceAdapter>;
}

export const ADAPTERS: ReadonlyMap<string, AdapterEntry> = new Map<string, AdapterEntry>([
  [
    'reference',
    {
      description: 'Reptile core on the pure-TypeScript reference backend',
      available: () => undefined,
      create: createReferenceAdapter,
    },
  ],
  // Frontend adapters are imported only when chosen, so a reference-only run loads no runtime.
  [
    'tfjs-cpu',
    {
      description: 'Reptile as tf.Optimizers, losses and regularizers on the tfjs cpu backend',
      available: () => undefined,
      create: async () => (await import('./adapters/tfjs.ts')).createTfjsCpuAdapter(),
    },
  ],
  [
    'tfjs-wasm',
    {
      description: 'the same on the tfjs wasm backend',
      available: () => undefined,
      create: async () => (await import('./adapters/tfjs.ts')).createTfjsWasmAdapter(),
    },
  ],
  [
    'tf.train',
    {
      description: "peer column: tfjs's own tf.train optimizers where one has the same rule",
      available: () => undefined,
      create: async () => (await import('./adapters/tfjs.ts')).createTfTrainAdapter(),
    },
  ],
  [
    'onnx',
    {
      description: 'Reptile lowered to ONNX, run by onnxruntime-node',
      available: () => undefined,
      create: async () => (await import('./adapters/onnx.ts')).createOnnxAdapter(),
    },
  ],
  [
    'torch',
    {
      description: 'Reptile as TorchScript run by stock PyTorch through the Python bridge',
      available: () => undefined,
      create: async () => (await import('./adapters/torch.ts')).createTorchAdapter(),
    },
  ],
  [
    'torch.optim',
    {
      description: 'peer column: real torch.optim / torch.nn.functional for every PyTorch-named config',
      available: () => undefined,
      create: async () => (await import('./adapters/torch.ts')).createTorchOptimPeerAdapter(),
    },
  ],
]);

export interface ResolvedAdapters {
  readonly adapters: ConformanceAdapter[];
  /** Registered adapters left out of the default set, with the reason. */
  readonly unavailable: { name: string; reason: string }[];
}

/**
 * The adapters to run: the named ones (an unknown or unavailable name is an error), or every
 * available registered adapter when `names` is undefined.
 */
export async function resolveAdapters(
  names: readonly string[] | undefined,
  registry: ReadonlyMap<string, AdapterEntry> = ADAPTERS,
): Promise<ResolvedAdapters> {
  const known = [...registry.keys()];
  const unavailable: { name: string; reason: string }[] = [];
  const chosen: string[] = [];
  for (const name of names ?? known) {
    const entry = registry.get(name);
    if (!entry)
      fail(`unknown adapter '${name}'`, { where: '--adapters', hint: `known adapters: ${known.join(', ')}` });
    const reason = entry.available();
    if (reason === undefined) chosen.push(name);
    else if (names) fail(`adapter '${name}' is not available: ${reason}`, { where: '--adapters' });
    else unavailable.push({ name, reason });
  }
  const adapters = await Promise.all(chosen.map((n) => registry.get(n)!.create()));
  return { adapters, unavailable };
}
