import type { TracedProgram } from '@reptile/core';
import { compileProgram, nativeAvailable } from '@reptile/onnx';
import { type GraphEngine, TracedFrontend } from './traced-session.ts';

/**
 * The 'onnx' frontend: each training step is one onnxruntime-node session run of the traced
 * step (the ONNX adapter's lowering, as OnnxTrainer uses). The native binding's synchronous
 * run is used when present: the public async API only defers the same synchronous work with
 * setImmediate, which at batch size 2 costs more than the step itself.
 */
export const onnxEngine: GraphEngine = {
  async compile(program: TracedProgram, label: string) {
    // A train step at the founding example's batch 2 is too small to split across threads, and
    // an idle pool spinning beside the JS thread only competes for a 2-core machine; inference
    // (1024 rows a call) keeps onnxruntime's default pool.
    const threads = label.endsWith('train_step') ? { intraOpNumThreads: 1 } : {};
    const graph = compileProgram({ name: label, ...program }, { exactOutputShapes: false, ...threads });
    const sync = nativeAvailable();
    return {
      run: async (values) => (sync ? graph.runSync(values) : graph.runAsync(values)),
      dispose: () => graph.release(),
    };
  },
};

export function onnxFrontend(): TracedFrontend {
  return new TracedFrontend('onnx', onnxEngine);
}
