/**
 * The ONNX versions Reptile emits. onnxruntime-node 1.30 reads IR ≤ 13 and opset ≤ 26; we pin
 * opset 21 (IR 10), the oldest that has every op we use in its current form (reduction axes as
 * inputs since opset 18, Reshape's allowzero since 14), so the files also load in older runtimes.
 */
export const ONNX_IR_VERSION = 10;
export const ONNX_OPSET = 21;
export const PRODUCER_NAME = 'reptile';
export const PRODUCER_VERSION = '0.1.0';
