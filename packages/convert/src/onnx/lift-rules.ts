import { fail, type Tensor } from '@reptile/core';
import type { OnnxNode } from '@reptile/onnx';
import type { Lifter } from './lift.ts';
import { activationRule, fuseActivation } from './lift-activation.ts';
import { attrFloat, attrInt, attrInts, type LiftRule, refuseAttrs } from './lift-attrs.ts';
import { conv, globalPool, pool } from './lift-image.ts';
import { liftRecurrent, rnnGather, rnnSqueeze, rnnTranspose } from './lift-recurrent.ts';

export type { LiftRule } from './lift-attrs.ts';

function dense(
  node: OnnxNode,
  lifter: Lifter,
  kernel: Tensor,
  bias: Tensor | undefined,
  input: string,
  output: string,
): void {
  const units = kernel.shape[1]!;
  const weights: Record<string, Tensor> = { kernel: kernel.cast('float32') };
  if (bias) {
    if (bias.size !== units && bias.size !== 1)
      fail(`bias of ${bias.size} values does not match ${units} units`, { where: lifter.where(node) });
    weights.bias = (bias.size === 1 ? bias.reshape([1]).broadcastTo([units]) : bias.reshape([units])).cast(
      'float32',
    );
  }
  const entry = lifter.addLayer(
    'dense',
    'Dense',
    { units, useBias: bias !== undefined },
    [input],
    output,
    weights,
  );
  fuseActivation(entry, output, lifter);
}

const gemm: LiftRule = (node, lifter) => {
  refuseAttrs(node, lifter, {
    alpha: () => true,
    beta: () => true,
    transA: (a) => a.i === 0,
    transB: () => true,
  });
  const b = lifter.requireConst(node, 1, 'B');
  const c = lifter.constInput(node, 2, 'C');
  const kernel = (attrInt(node, 'transB', 0) ? b.transpose([1, 0]) : b).mul(attrFloat(node, 'alpha', 1));
  dense(
    node,
    lifter,
    kernel,
    c?.mul(attrFloat(node, 'beta', 1)),
    lifter.tensorInput(node, 0),
    node.outputs[0]!,
  );
};

/** MatMul by a constant [in, out] matrix, with the bias Add exporters emit after it folded in. */
const matmul: LiftRule = (node, lifter) => {
  const w = lifter.requireConst(node, 1, 'B');
  if (w.rank !== 2)
    fail(`a ${w.rank}-d right operand has no Dense equivalent`, { where: lifter.where(node) });
  const input = lifter.tensorInput(node, 0);
  const next = lifter.soleConsumer(node.outputs[0]!);
  if (next?.opType === 'Add') {
    const other = next.inputs[0] === node.outputs[0] ? 1 : 0;
    const sym = lifter.sym(next.inputs[other]!);
    if (sym?.kind === 'const' && sym.value.size === w.shape[1]) {
      lifter.consumed.add(next);
      dense(node, lifter, w, sym.value, input, next.outputs[0]!);
      return;
    }
  }
  dense(node, lifter, w, undefined, input, node.outputs[0]!);
};

const add: LiftRule = (node, lifter) => {
  const a = lifter.tensorInput(node, 0);
  const b = lifter.tensorInput(node, 1);
  const [sa, sb] = [lifter.fullShape(node.inputs[0]!), lifter.fullShape(node.inputs[1]!)];
  if (sa.join(',') !== sb.join(','))
    fail(`adds shapes [${sa}] and [${sb}]; the Add layer needs equal shapes`, { where: lifter.where(node) });
  lifter.addLayer('add', 'Add', {}, [a, b], node.outputs[0]!);
};

const batchNorm: LiftRule = (node, lifter) => {
  refuseAttrs(node, lifter, {
    epsilon: () => true,
    momentum: () => true,
    training_mode: (a) => a.i === 0,
    spatial: (a) => a.i === 1,
  });
  const rank = lifter.fullShape(node.inputs[0]!).length;
  const [gamma, beta, mean, variance] = [1, 2, 3, 4].map((i) =>
    lifter.requireConst(node, i, ['scale', 'B', 'mean', 'var'][i - 1]!).cast('float32'),
  );
  const config = {
    axis: rank === 2 ? -1 : 1,
    // ONNX and Keras both keep moving = m·moving + (1 − m)·batch (docs/models.md).
    momentum: attrFloat(node, 'momentum', 0.9),
    epsilon: attrFloat(node, 'epsilon', 1e-5),
  };
  const weights = { gamma: gamma!, beta: beta!, movingMean: mean!, movingVariance: variance! };
  lifter.addLayer(
    'batch_normalization',
    'BatchNormalization',
    config,
    [lifter.tensorInput(node, 0)],
    node.outputs[0]!,
    weights,
  );
};

/** ONNX normalises over axes [axis, rank); the layer takes that list (Keras counts the batch axis). */
const layerNorm: LiftRule = (node, lifter) => {
  refuseAttrs(node, lifter, { axis: () => true, epsilon: () => true, stash_type: () => true });
  const rank = lifter.fullShape(node.inputs[0]!).length;
  const first = attrInt(node, 'axis', -1);
  const start = first < 0 ? first + rank : first;
  if (start < 1) fail('normalises over the batch axis', { where: lifter.where(node) });
  const axis = Array.from({ length: rank - start }, (_, i) => start + i);
  const gamma = lifter.requireConst(node, 1, 'Scale').cast('float32');
  const beta = lifter.constInput(node, 2, 'B')?.cast('float32');
  const shape = axis.map((a) => lifter.fullShape(node.inputs[0]!)[a]!);
  const weights = { gamma: gamma.reshape(shape), beta: (beta ?? gamma.mul(0)).reshape(shape) };
  const config = { axis: axis.length === 1 ? -1 : axis, epsilon: attrFloat(node, 'epsilon', 1e-5) };
  lifter.addLayer(
    'layer_normalization',
    'LayerNormalization',
    config,
    [lifter.tensorInput(node, 0)],
    node.outputs[0]!,
    weights,
  );
};

/** Any op that only rearranges the per-sample dims, keeping the batch axis first, is a Reshape. */
const reshapeLike: LiftRule = (node, lifter) => {
  if (node.opType === 'Squeeze' && lifter.sym(node.inputs[0]!)?.kind === 'rnn')
    return rnnSqueeze(node, lifter);
  const input = lifter.fullShape(node.inputs[0]!);
  const output = lifter.fullShape(node.outputs[0]!);
  if (input[0] !== output[0] || output.length === 0)
    fail(`changes the batch axis ([${input}] → [${output}]); layers keep axis 0 as the batch`, {
      where: lifter.where(node),
    });
  const source = lifter.tensorInput(node, 0);
  if (node.opType === 'Flatten') {
    if (attrInt(node, 'axis', 1) !== 1)
      fail('Flatten with axis ≠ 1 has no layer equivalent', { where: lifter.where(node) });
    lifter.addLayer('flatten', 'Flatten', {}, [source], node.outputs[0]!);
    return;
  }
  lifter.addLayer(
    'reshape',
    'Reshape',
    { targetShape: lifter.perSample(node.outputs[0]!) },
    [source],
    node.outputs[0]!,
  );
};

const transpose: LiftRule = (node, lifter) => {
  const perm = attrInts(node, 'perm') ?? fail('has no perm', { where: lifter.where(node) });
  if (rnnTranspose(node, lifter, perm)) return;
  if (perm[0] !== 0)
    fail(`perm [${perm}] moves the batch axis; layers keep axis 0 as the batch`, {
      where: lifter.where(node),
    });
  lifter.addLayer(
    'permute',
    'Permute',
    { dims: perm.slice(1) },
    [lifter.tensorInput(node, 0)],
    node.outputs[0]!,
  );
};

const concat: LiftRule = (node, lifter) => {
  const rank = lifter.fullShape(node.outputs[0]!).length;
  const axis = attrInt(node, 'axis', 1);
  if (axis === 0 || axis === -rank) fail('concatenates along the batch axis', { where: lifter.where(node) });
  const inbound = node.inputs.map((_, i) => lifter.tensorInput(node, i));
  if (inbound.length === 1) lifter.alias(node.outputs[0]!, inbound[0]!);
  else lifter.addLayer('concatenate', 'Concatenate', { axis }, inbound, node.outputs[0]!);
};

const identity: LiftRule = (node, lifter) => {
  lifter.alias(node.outputs[0]!, lifter.tensorInput(node, 0));
};

/** Gather rows of a constant table by index: an Embedding (or an RNN's last time step). */
const gather: LiftRule = (node, lifter) => {
  if (rnnGather(node, lifter)) return;
  const table = lifter.requireConst(node, 0, 'data');
  if (table.rank !== 2 || attrInt(node, 'axis', 0) !== 0)
    fail('only row lookups in a constant 2-d table (an embedding) have a layer equivalent', {
      where: lifter.where(node),
    });
  lifter.addLayer(
    'embedding',
    'Embedding',
    { inputDim: table.shape[0]!, outputDim: table.shape[1]! },
    [lifter.tensorInput(node, 1)],
    node.outputs[0]!,
    { embeddings: table.cast('float32') },
  );
};

export const LIFT_RULES: Readonly<Record<string, LiftRule>> = {
  Gemm: gemm,
  MatMul: matmul,
  Add: add,
  Conv: conv,
  MaxPool: pool('MaxPool2D', 'max_pool2d'),
  AveragePool: pool('AvgPool2D', 'avg_pool2d'),
  GlobalAveragePool: globalPool('GlobalAveragePooling2D', 'global_average_pooling2d'),
  GlobalMaxPool: globalPool('GlobalMaxPooling2D', 'global_max_pooling2d'),
  BatchNormalization: batchNorm,
  LayerNormalization: layerNorm,
  Flatten: reshapeLike,
  Reshape: reshapeLike,
  Squeeze: reshapeLike,
  Unsqueeze: reshapeLike,
  Transpose: transpose,
  Concat: concat,
  Identity: identity,
  Dropout: identity,
  Gather: gather,
  LSTM: liftRecurrent,
  GRU: liftRecurrent,
  Relu: activationRule,
  Sigmoid: activationRule,
  Tanh: activationRule,
  Softplus: activationRule,
  Elu: activationRule,
  Selu: activationRule,
  LeakyRelu: activationRule,
  Gelu: activationRule,
  Softmax: activationRule,
};
