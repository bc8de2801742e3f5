import { traceOptimizerStep } from '@reptile/core';
import type { Program, TensorSpec } from '../program.ts';

/**
 * Optimizer-step graph (core's traceOptimizerStep). Inputs: `params.<name>`, `grads.<name>`,
 * `state.<path>`, `step`, `lr`. Outputs: `new_params.<name>`, `new_state.<path>` (same paths).
 * See docs/onnx.md.
 */
export function optimizerStepProgram(optimizerOrConfig: unknown, params: readonly TensorSpec[]): Program {
  const { optimizer, program } = traceOptimizerStep(optimizerOrConfig, params);
  return {
    name: `reptile.optimizer_step.${optimizer.config.name}`,
    ...program,
    doc: 'One optimizer update. step: 1-based index of this update (float64 scalar); lr: learning rate for it.',
    metadata: { 'reptile.kind': 'optimizer_step', 'reptile.optimizer': JSON.stringify(optimizer.config) },
  };
}
