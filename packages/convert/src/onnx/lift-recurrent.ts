import { fail, type JsonObject, type Tensor } from '@reptile/core';
import { gruFromOnnx, lstmFromOnnx } from '@reptile/layers';
import type { OnnxNode } from '@reptile/onnx';
import type { Lifter, PendingRnn } from './lift.ts';
import { attrInt, attrInts, refuseAttrs } from './lift-attrs.ts';

/**
 * LSTM and GRU as PyTorch's exporter writes them (layout 0, time-major):
 *
 *   x [N,T,I] → Transpose(1,0,2) → LSTM(W, R, B, '', h0=0, c0=0) → Y [T,1,N,H] → Squeeze(1)
 *     → Transpose(1,0,2) → [N,T,H]               (a Keras layer with returnSequences: true)
 *     → Gather(axis 1, index −1) → [N,H]         (returnSequences: false)
 *   Y_h [1,N,H] → Squeeze(0) → [N,H]             (returnSequences: false)
 *
 * Each step is tracked as a stage of the pending layer, which is emitted when a consumer
 * needs a batch-major value. Weights are converted by the layers package's gate conversions
 * (packages/layers/src/recurrent/gates.ts: ONNX gate blocks reordered to Keras' and transposed,
 * the two LSTM biases summed).
 */
const allowZeroState = (lifter: Lifter, node: OnnxNode, i: number, what: string) => {
  const name = node.inputs[i] ?? '';
  if (name === '') return;
  const sym = lifter.sym(name);
  const producer = sym?.kind === 'static' ? sym.node : undefined;
  const zeroConst =
    sym?.kind === 'const' && Array.from(sym.value.data() as ArrayLike<number>).every((v) => v === 0);
  const zeroFill =
    producer?.opType === 'ConstantOfShape' &&
    (producer.attrs.get('value')?.t?.data ?? [0]).every((v: number) => v === 0);
  if (!zeroConst && !zeroFill)
    fail(`${what} must be zeros: Keras-style recurrent layers start from a zero state`, {
      where: lifter.where(node),
    });
};

export function liftRecurrent(node: OnnxNode, lifter: Lifter): void {
  const className = node.opType as 'LSTM' | 'GRU';
  refuseAttrs(node, lifter, {
    hidden_size: () => true,
    direction: (a) => a.s === 'forward',
    layout: (a) => a.i === 0,
    linear_before_reset: () => className === 'GRU',
    activations: (a) =>
      (a.strings ?? []).join(',') === (className === 'LSTM' ? 'Sigmoid,Tanh,Tanh' : 'Sigmoid,Tanh'),
  });
  if (node.attrs.has('clip')) fail('cell clipping has no Keras equivalent', { where: lifter.where(node) });
  const x = lifter.sym(node.inputs[0]!);
  if (x?.kind !== 'time-major')
    fail(
      "input X must be a batch-major value transposed to time-major (perm 1,0,2), as PyTorch's exporter writes",
      {
        where: lifter.where(node),
      },
    );
  if ((node.inputs[4] ?? '') !== '')
    fail('sequence_lens is not supported: every sequence must have the full length', {
      where: lifter.where(node),
    });
  allowZeroState(lifter, node, 5, 'initial_h');
  if (className === 'LSTM') {
    allowZeroState(lifter, node, 6, 'initial_c');
    if ((node.inputs[7] ?? '') !== '')
      fail('peephole weights (P) have no Keras equivalent', { where: lifter.where(node) });
  }
  const w = lifter.requireConst(node, 1, 'W').cast('float32');
  const r = lifter.requireConst(node, 2, 'R').cast('float32');
  const b = lifter.constInput(node, 3, 'B')?.cast('float32');
  if (w.shape[0] !== 1) fail('only one direction is supported', { where: lifter.where(node) });
  const onnx = { W: w, R: r, ...(b ? { B: b } : {}) };
  const gru = className === 'GRU' ? gruFromOnnx(onnx, attrInt(node, 'linear_before_reset', 0)) : undefined;
  const converted = gru ? gru.weights : lstmFromOnnx(onnx);
  const resetAfter = gru?.resetAfter ?? false;
  const units = converted.recurrentKernel.shape[0]!;
  const weights: Record<string, Tensor> = {
    kernel: converted.kernel,
    recurrentKernel: converted.recurrentKernel,
  };
  if (converted.bias) weights.bias = converted.bias;
  const config: JsonObject = {
    units,
    useBias: b !== undefined,
    ...(className === 'GRU' ? { resetAfter } : {}),
  };
  const rnn: PendingRnn = { node, className, config, inbound: x.ref, weights };
  lifter.setSym(node.outputs[0] ?? '', { kind: 'rnn', rnn, stage: 'Y' });
  if (node.outputs[1]) lifter.setSym(node.outputs[1], { kind: 'rnn', rnn, stage: 'Y_h' });
  if (node.outputs[2] && lifter.soleConsumer(node.outputs[2]) !== undefined)
    fail('the cell state output Y_c is used; Keras-style layers return only h', {
      where: lifter.where(node),
    });
}

function axesOf(node: OnnxNode, lifter: Lifter): readonly number[] {
  const fromAttr = attrInts(node, 'axes');
  if (fromAttr) return fromAttr;
  const t = lifter.constInput(node, 1, 'axes');
  return t ? Array.from(t.data() as ArrayLike<number>) : [];
}

export function rnnSqueeze(node: OnnxNode, lifter: Lifter): void {
  const sym = lifter.sym(node.inputs[0]!);
  if (sym?.kind !== 'rnn') return;
  const axes = axesOf(node, lifter).join(',');
  if (sym.stage === 'Y' && axes === '1') {
    lifter.setSym(node.outputs[0]!, { kind: 'rnn', rnn: sym.rnn, stage: 'Y-squeezed' });
    return;
  }
  if (sym.stage === 'Y_h' && axes === '0') {
    lifter.alias(node.outputs[0]!, lifter.emitRnn(sym.rnn, false));
    return;
  }
  fail(`squeezes axes [${axes}] of a recurrent output; only the direction axis can be dropped`, {
    where: lifter.where(node),
  });
}

/** Handles the Transposes around LSTM/GRU; false when `node` is an ordinary Transpose. */
export function rnnTranspose(node: OnnxNode, lifter: Lifter, perm: readonly number[]): boolean {
  if (perm.join(',') !== '1,0,2') return false;
  const sym = lifter.sym(node.inputs[0]!);
  if (sym?.kind === 'rnn' && sym.stage === 'Y-squeezed') {
    lifter.setSym(node.outputs[0]!, { kind: 'rnn', rnn: sym.rnn, stage: 'sequence' });
    return true;
  }
  const readers = lifter.consumersOf(node.outputs[0]!);
  if (
    sym?.kind === 'tensor' &&
    readers.length > 0 &&
    readers.every((n) => (n.opType === 'LSTM' || n.opType === 'GRU') && n.inputs[0] === node.outputs[0])
  ) {
    lifter.setSym(node.outputs[0]!, { kind: 'time-major', ref: sym.ref });
    return true;
  }
  return false;
}

/** Gather(axis 1, last index) on a whole sequence: the last time step, i.e. returnSequences false. */
export function rnnGather(node: OnnxNode, lifter: Lifter): boolean {
  const sym = lifter.sym(node.inputs[0]!);
  if (sym?.kind !== 'rnn' || sym.stage !== 'sequence') return false;
  const index = lifter.constInput(node, 1, 'indices');
  const steps = lifter.fullShape(node.inputs[0]!)[1]!;
  const i =
    index && index.size === 1 && index.rank === 0 ? (index.data() as ArrayLike<number>)[0]! : Number.NaN;
  if (attrInt(node, 'axis', 0) !== 1 || !(i === -1 || i === steps - 1))
    fail('only the last time step of a recurrent sequence can be gathered (returnSequences: false)', {
      where: lifter.where(node),
    });
  lifter.alias(node.outputs[0]!, lifter.emitRnn(sym.rnn, false));
  return true;
}
