import { fail, type JsonObject, type Tensor } from '@reptile/core';
import type { OnnxAttribute, OnnxNode } from '@reptile/onnx';
import type { Lifter } from './lift.ts';
import { liftRecurrent, rnnGather, rnnSqueeze, rnnTranspose } from './lift-recurrent.ts';

export type LiftRule = (node: OnnxNode, lifter: Lifter) => void;

export function attrInt(node: OnnxNode, name: string, fallback: number): number {
  return node.attrs.get(name)?.i ?? fallback;
}

export function attrFloat(node: OnnxNode, name: string, fallback: number): number {
  return node.attrs.get(name)?.f ?? fallback;
}

export function attrInts(node: OnnxNode, name: string): readonly number[] | undefined {
  return node.attrs.get(name)?.ints;
}

function attrString(node: OnnxNode, name: string, fallback: string): string {
  return node.attrs.get(name)?.s ?? fallback;
}

/** Refuses attributes whose non-default values have no equivalent, naming them. */
export function refuseAttrs(
  node: OnnxNode,
  lifter: Lifter,
  allowed: Readonly<Record<string, (a: OnnxAttribute) => boolean>>,
): void {
  for (const [name, attr] of node.attrs) {
    const ok = allowed[name];
    if (!ok || !ok(attr))
      fail(
        `attribute ${name} = ${JSON.stringify(attr.i ?? attr.f ?? attr.s ?? attr.ints ?? attr.floats)} is not supported when converting to layers`,
        {
          where: lifter.where(node),
        },
      );
  }
}

/** ONNX activation ops Reptile's activations equal exactly (with these attributes). */
function activationOf(node: OnnxNode, lifter: Lifter): string | undefined {
  const is = (name: string, value: number) => Math.abs(attrFloat(node, name, value) - value) < 1e-7;
  switch (node.opType) {
    case 'Relu':
      return 'relu';
    case 'Sigmoid':
      return 'sigmoid';
    case 'Tanh':
      return 'tanh';
    case 'Softplus':
      return 'softplus';
    case 'Elu':
      return is('alpha', 1) ? 'elu' : undefined;
    case 'Selu':
      return is('alpha', 1.6732632423543772) && is('gamma', 1.0507009873554805) ? 'selu' : undefined;
    case 'LeakyRelu':
      return is('alpha', 0.01) ? 'leakyRelu' : undefined;
    case 'Gelu':
      return attrString(node, 'approximate', 'none') === 'none' ? 'gelu' : undefined;
    case 'Softmax': {
      const rank = lifter.fullShape(node.inputs[0]!).length;
      const axis = attrInt(node, 'axis', lifter.model.opset >= 13 ? -1 : 1);
      return axis === -1 || axis === rank - 1 ? 'softmax' : undefined;
    }
    default:
      return undefined;
  }
}

/** When `output`'s only reader is an activation, folds it into the layer that produced `output`. */
function fuseActivation(entry: { config: JsonObject }, output: string, lifter: Lifter): void {
  const next = lifter.soleConsumer(output);
  if (!next) return;
  const activation = activationOf(next, lifter);
  if (!activation) return;
  entry.config = { ...entry.config, activation };
  lifter.consumed.add(next);
  const ref = lifter.sym(output);
  if (ref?.kind === 'tensor') lifter.alias(next.outputs[0]!, ref.ref);
}

function activationRule(node: OnnxNode, lifter: Lifter): void {
  const activation =
    activationOf(node, lifter) ??
    fail("has attributes Reptile's activations do not match (e.g. a non-default alpha or axis)", {
      where: lifter.where(node),
    });
  lifter.addLayer(
    'activation',
    'Activation',
    { activation },
    [lifter.tensorInput(node, 0)],
    node.outputs[0]!,
  );
}

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

/** ONNX pads [x1_begin, x2_begin, x1_end, x2_end] or auto_pad → a layer's `padding`. */
function padding(
  node: OnnxNode,
  lifter: Lifter,
  kernel: readonly number[],
  strides: readonly number[],
): JsonObject['padding'] {
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  if (autoPad === 'VALID') return 'valid';
  if (autoPad === 'SAME_UPPER') return 'same';
  const dilations = attrInts(node, 'dilations') ?? [1, 1];
  // What Keras' 'same' pads for this input: the total split with the extra on the end (SAME_UPPER).
  const samePads = lifter
    .fullShape(node.inputs[0]!)
    .slice(2)
    .map((size, i) => {
      const out = Math.ceil(size / strides[i]!);
      const total = Math.max((out - 1) * strides[i]! + (kernel[i]! - 1) * dilations[i]! + 1 - size, 0);
      return [Math.floor(total / 2), Math.ceil(total / 2)];
    });
  if (autoPad === 'SAME_LOWER') return samePads.map(([before, after]) => [after!, before!]);
  const pads = attrInts(node, 'pads') ?? [0, 0, 0, 0];
  if (pads.every((p) => p === 0)) return 'valid';
  const explicit = [
    [pads[0]!, pads[2]!],
    [pads[1]!, pads[3]!],
  ];
  // Exporters spell symmetric 'same' padding out (PyTorch's padding=1 for a 3×3 kernel); naming
  // it 'same' keeps the model expressible in formats without explicit pads (tfjs).
  return explicit.flat().join(',') === samePads.flat().join(',') ? 'same' : explicit;
}

function spatial2d(node: OnnxNode, lifter: Lifter): void {
  const rank = lifter.fullShape(node.inputs[0]!).length;
  if (rank !== 4)
    fail(`takes a ${rank}-d input; only 2-d images (NCHW) have layer equivalents`, {
      where: lifter.where(node),
    });
}

const conv: LiftRule = (node, lifter) => {
  spatial2d(node, lifter);
  refuseAttrs(node, lifter, {
    auto_pad: () => true,
    pads: () => true,
    strides: () => true,
    dilations: () => true,
    group: () => true,
    kernel_shape: () => true,
  });
  const w = lifter.requireConst(node, 1, 'W'); // OIHW
  const b = lifter.constInput(node, 2, 'B');
  const kernelSize = [w.shape[2]!, w.shape[3]!];
  const strides = attrInts(node, 'strides') ?? [1, 1];
  const config: JsonObject = {
    filters: w.shape[0]!,
    kernelSize,
    strides: [...strides],
    padding: padding(node, lifter, kernelSize, strides),
    dilationRate: [...(attrInts(node, 'dilations') ?? [1, 1])],
    groups: attrInt(node, 'group', 1),
    dataFormat: 'channelsFirst',
    useBias: b !== undefined,
  };
  const weights: Record<string, Tensor> = { kernel: w.transpose([2, 3, 1, 0]).cast('float32') }; // OIHW → HWIO
  if (b) weights.bias = b.cast('float32');
  const entry = lifter.addLayer(
    'conv2d',
    'Conv2D',
    config,
    [lifter.tensorInput(node, 0)],
    node.outputs[0]!,
    weights,
  );
  fuseActivation(entry, node.outputs[0]!, lifter);
};

function pool(className: 'MaxPool2D' | 'AvgPool2D', prefix: string): LiftRule {
  return (node, lifter) => {
    spatial2d(node, lifter);
    refuseAttrs(node, lifter, {
      auto_pad: () => true,
      pads: () => true,
      strides: () => true,
      kernel_shape: () => true,
      storage_order: () => true,
      dilations: (a) => (a.ints ?? []).every((d) => d === 1),
      count_include_pad: (a) => a.i === 0 || (attrInts(node, 'pads') ?? []).every((p) => p === 0),
      ceil_mode: () => true,
    });
    const poolSize = [
      ...(attrInts(node, 'kernel_shape') ?? fail('has no kernel_shape', { where: lifter.where(node) })),
    ];
    const strides = [...(attrInts(node, 'strides') ?? [1, 1])];
    const config = {
      poolSize,
      strides,
      padding: padding(node, lifter, poolSize, strides),
      dataFormat: 'channelsFirst',
    };
    const entry = lifter.addLayer(prefix, className, config, [lifter.tensorInput(node, 0)], node.outputs[0]!);
    if (attrInt(node, 'ceil_mode', 0) === 1) checkFloorShape(node, lifter, entry.config);
  };
}

/** ceil_mode only matters when it changes the output size; refuse it only then. */
function checkFloorShape(node: OnnxNode, lifter: Lifter, config: JsonObject): void {
  const [, , h, w] = lifter.fullShape(node.inputs[0]!);
  const [, , oh, ow] = lifter.fullShape(node.outputs[0]!);
  const pads = attrInts(node, 'pads') ?? [0, 0, 0, 0];
  const k = config.poolSize as number[];
  const s = config.strides as number[];
  const floorH = Math.floor((h! + pads[0]! + pads[2]! - k[0]!) / s[0]!) + 1;
  const floorW = Math.floor((w! + pads[1]! + pads[3]! - k[1]!) / s[1]!) + 1;
  if (floorH !== oh || floorW !== ow)
    fail('ceil_mode=1 changes the output size here; Keras-style pooling rounds down', {
      where: lifter.where(node),
      hint: 'pad the input explicitly or export with ceil_mode=False',
    });
}

/** ONNX global pooling keeps [N, C, 1, 1]; the Keras layer gives [N, C], so a Reshape restores the dims. */
function globalPool(className: string, prefix: string): LiftRule {
  return (node, lifter) => {
    spatial2d(node, lifter);
    const pooled = `${node.outputs[0]!}#pooled`;
    lifter.addLayer(
      prefix,
      className,
      { dataFormat: 'channelsFirst' },
      [lifter.tensorInput(node, 0)],
      pooled,
    );
    const ref = lifter.sym(pooled);
    const targetShape = lifter.perSample(node.outputs[0]!);
    lifter.addLayer(
      'reshape',
      'Reshape',
      { targetShape },
      [ref?.kind === 'tensor' ? ref.ref : ''],
      node.outputs[0]!,
    );
  };
}

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
