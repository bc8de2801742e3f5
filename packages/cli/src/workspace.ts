/** The workspace packages the CLI uses, in one place. */
export { formatTable, resultsToJson, runConformance, settle, writeJsonAtomic } from '@reptile/conformance';
export { fail, type Optimizer, ops, optimizerFromConfig, ReptileError, Tensor, Trainer } from '@reptile/core';
