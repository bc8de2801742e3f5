import { fail, programGraph, type TracedProgram } from '@reptile/core';
import { lowerGraph, TorchWorker, torchUnavailableReason, writeTorchScriptArchive } from '@reptile/torch';
import { type GraphEngine, TracedFrontend } from './traced-session.ts';

let counter = 0;

/**
 * Runs traced programs as TorchScript modules in the torch adapter's Python worker. Inputs
 * travel with each call and every output comes back (nothing is updated in place), so a step
 * whose loss is not finite is simply not adopted and the params stay as they were.
 */
export function torchEngine(worker = new TorchWorker()): GraphEngine {
  return {
    async compile(program: TracedProgram, label: string) {
      const graph = programGraph(program);
      const name = `${label}.${counter++}`;
      await worker.load(name, writeTorchScriptArchive(lowerGraph(graph)));
      return {
        run: async (values) => {
          const out = await worker.run(
            name,
            graph.inputs.map((n, i) => ({ dtype: n.dtype, shape: n.shape, data: values[i]! })),
          );
          return out.map((t) => t.data);
        },
        dispose: () => {
          void worker.unload(name).catch(() => undefined);
        },
      };
    },
    close: () => worker.close(),
  };
}

/** The 'torch' frontend; needs Python with torch (`pip install torch`), so it is never the default. */
export function torchFrontend(): TracedFrontend {
  const missing = torchUnavailableReason();
  if (missing)
    fail(`the 'torch' frontend needs PyTorch: ${missing}`, {
      where: "Model({ frontend: 'torch' })",
      hint: "install it, or use 'onnx' / 'reference', which need nothing beyond pnpm install",
    });
  return new TracedFrontend('torch', torchEngine());
}
