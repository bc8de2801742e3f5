import { fail, type JsonObject, type Tensor } from '@reptile/core';
import type { OnnxNode } from '@reptile/onnx';
import type { Lifter } from './lift.ts';
import { fuseActivation } from './lift-activation.ts';
import { attrInt, attrInts, attrString, type LiftRule, refuseAttrs } from './lift-attrs.ts';

/** Image layers: Conv and pooling, NCHW kept as dataFormat 'channelsFirst'. */
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

export const conv: LiftRule = (node, lifter) => {
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

export function pool(className: 'MaxPool2D' | 'AvgPool2D', prefix: string): LiftRule {
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
export function globalPool(className: string, prefix: string): LiftRule {
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
