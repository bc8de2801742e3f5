import {
  type DType,
  fail,
  type Node,
  programGraph,
  type TracedProgram,
  type TypedArray,
} from '@reptile/core';
import { compileForTfjs } from '@reptile/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import type { GraphEngine } from './traced-session.ts';
import { TracedFrontend } from './traced-session.ts';

/** The tfjs backends this package can start without anything beyond `pnpm install`. */
export type TfjsBackendName = 'cpu' | 'wasm';

const started = new Map<TfjsBackendName, Promise<void>>();

/** Registers and selects a tfjs backend (tfjs keeps one active backend per process). */
async function useBackend(name: TfjsBackendName): Promise<void> {
  let ready = started.get(name);
  if (!ready) {
    ready = (async () => {
      if (name === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
      else await import('@tensorflow/tfjs-backend-wasm');
      // PROD skips tfjs' per-kernel NaN checks and debug bookkeeping.
      tf.env().set('PROD', true);
    })();
    started.set(name, ready);
  }
  await ready;
  if (tf.getBackend() !== name && !(await tf.setBackend(name)))
    fail(`the tfjs '${name}' backend failed to start`, {
      where: `Model({ frontend: 'tfjs-${name}' })`,
      hint: `check that @tensorflow/tfjs-backend-${name} is installed`,
    });
  await tf.ready();
}

// tfjs has no float64: such values travel as float32 and come back widened (docs/tfjs.md).
const HOST: Record<DType, (data: ArrayLike<number>) => TypedArray> = {
  float32: (d) => (d instanceof Float32Array ? d : Float32Array.from(d)),
  float64: (d) => Float64Array.from(d),
  int32: (d) => (d instanceof Int32Array ? d : Int32Array.from(d)),
  bool: (d) => (d instanceof Uint8Array ? d : Uint8Array.from(d)),
};

const TF_DTYPE: Record<DType, tf.DataType> = {
  float32: 'float32',
  float64: 'float32',
  int32: 'int32',
  bool: 'bool',
};

/**
 * Runs traced programs with the tfjs adapter's compiler (compileForTfjs): one plan per program,
 * its step count and learning rate evaluated on the host in float64, everything else as tfjs
 * kernels. Inputs are uploaded per run and outputs read back, so params stay host arrays like on
 * every traced frontend.
 */
export function tfjsEngine(backend: TfjsBackendName): GraphEngine {
  return {
    async compile(program: TracedProgram) {
      await useBackend(backend);
      const graph = programGraph(program);
      const hostNames = program.inputs.filter((i) => i.name === 'step' || i.name === 'lr').map((i) => i.name);
      const compiled = compileForTfjs(graph, { hostInputs: hostNames });
      const byNode = new Map<Node, number>(program.inputs.map((input, i) => [input.node, i]));
      const { device, host } = compiled.order;
      const deviceAt = device.map((n) => byNode.get(n)!);
      const hostAt = host.map((n) => byNode.get(n)!);
      return {
        run: async (values) => {
          if (tf.getBackend() !== backend) await useBackend(backend);
          const inputs = deviceAt.map((i) => {
            const node = program.inputs[i]!.node;
            const v = values[i]!;
            return tf.tensor(
              node.dtype === 'float64' ? Float32Array.from(v) : v,
              [...node.shape],
              TF_DTYPE[node.dtype],
            );
          });
          try {
            const out = compiled.runOrdered(
              inputs,
              hostAt.map((i) => values[i]!),
            );
            try {
              return await Promise.all(
                out.map(async (t, k) => HOST[graph.outputs[k]!.dtype](await t.data())),
              );
            } finally {
              for (const t of out) t.dispose();
            }
          } finally {
            for (const t of inputs) t.dispose();
          }
        },
        dispose: () => compiled.dispose(),
      };
    },
  };
}

export function tfjsFrontend(backend: TfjsBackendName, name = `tfjs-${backend}`): TracedFrontend {
  return new TracedFrontend(name, tfjsEngine(backend));
}
