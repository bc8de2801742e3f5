import type { OpImpl } from '../context.ts';
import { ACTIVATION_OPS } from './activations.ts';
import { CONV_OPS } from './conv.ts';
import { CONV_TRANSPOSE_OPS } from './conv-transpose.ts';
import { ELEMENTWISE_OPS } from './elementwise.ts';
import { EXTRA_OPS } from './extra.ts';
import { INDEXING_OPS } from './indexing.ts';
import { LINALG_OPS } from './linalg.ts';
import { LOSS_OPS } from './loss.ts';
import { NORM_OPS } from './norm.ts';
import { REDUCE_OPS } from './reduce.ts';
import { RESIZE_OPS } from './resize.ts';
import { RNN_OPS } from './rnn.ts';
import { SCAN_OPS } from './scan.ts';
import { SCATTER_OPS } from './scatter.ts';
import { SHAPE_OPS } from './shape.ts';

/** Every ONNX operator (default domain) the importer runs, by op_type. */
export const OPS: Readonly<Record<string, OpImpl>> = {
  ...ELEMENTWISE_OPS,
  ...ACTIVATION_OPS,
  ...SHAPE_OPS,
  ...INDEXING_OPS,
  ...REDUCE_OPS,
  ...LINALG_OPS,
  ...NORM_OPS,
  ...CONV_OPS,
  ...CONV_TRANSPOSE_OPS,
  ...RNN_OPS,
  ...LOSS_OPS,
  ...SCAN_OPS,
  ...RESIZE_OPS,
  ...EXTRA_OPS,
  ...SCATTER_OPS,
};

export const SUPPORTED_OPS: readonly string[] = Object.keys(OPS).sort();
