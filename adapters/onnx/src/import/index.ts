/** Public surface of the ONNX importer; re-exported from the package index by the lead. */
export {
  type DecodeOptions,
  decodeOnnxModel,
  type OnnxAttribute,
  type OnnxModelDescription,
  type OnnxNode,
  type OnnxValueInfo,
} from './decode.ts';
export { NODE_TEST_FRONTENDS, type NodeTestFrontend } from './frontends.ts';
export { type LoadOptions, loadOnnxModel, type OnnxImportedModel } from './model.ts';
export {
  type CaseOutcome,
  defaultNodeTestDir,
  type NodeTestOptions,
  type NodeTestReport,
  runOnnxNodeTests,
} from './node-tests.ts';
export { SUPPORTED_OPS } from './ops/index.ts';
export { DEFAULT_LIMITS, type HostTensor, type OnnxElem, type TensorLimits } from './tensor-proto.ts';
