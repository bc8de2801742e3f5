/** The workspace packages the CLI uses, in one place. */
export { formatTable, resultsToJson, runConformance, settle, writeJsonAtomic } from '@reptile/conformance';
export {
  fail,
  getBackend,
  grad,
  type Optimizer,
  ops,
  optimizerFromConfig,
  ReferenceBackend,
  ReptileError,
  setBackend,
  Tensor,
  Trainer,
} from '@reptile/core';
