import { type DType, fail, type JsonObject, ops, type Shape, type Tensor } from '@reptile/core';
import { checkInitializer, INITIALIZERS, type InitializerName } from './initializers.ts';
import { type CallContext, Layer, type LayerWeights, type WeightSpec } from './layer.ts';
import { defined, readFloatDType, readOptionalName, readOptions, readPositiveInt } from './options.ts';

export interface EmbeddingOptions {
  /** Vocabulary size: indices are 0..inputDim−1. */
  readonly inputDim: number;
  readonly outputDim: number;
  readonly embeddingsInitializer?: InitializerName;
  readonly dtype?: 'float32' | 'float64';
  readonly name?: string;
}

const FIELDS = ['inputDim', 'outputDim', 'embeddingsInitializer', 'dtype', 'name'];

/**
 * docs/models.md names Keras' 'randomUniform'; until the initializer list has it, the table
 * starts from glorotUniform (also a small symmetric uniform).
 */
const DEFAULT_INITIALIZER: InitializerName = (INITIALIZERS as readonly string[]).includes('randomUniform')
  ? ('randomUniform' as InitializerName)
  : 'glorotUniform';

/**
 * Looks up rows of the [inputDim, outputDim] table. The protocol has no gather, so the lookup is
 * oneHot(indices)·table: one matmul whose gradient scatters into the table rows for free, on
 * every frontend. Indices may be int32 or floats holding integers (a float model's inputs);
 * floats are truncated toward zero by the cast.
 *
 * Out-of-range indices: when the indices are already concrete values (the eager path) they are
 * checked and refused. Inside a traced graph nothing can be checked, and an index outside
 * 0..inputDim−1 matches no one-hot column, so its vector is all zeros (Keras on GPU also yields
 * zeros; on CPU it raises).
 */
export class Embedding extends Layer {
  readonly className = 'Embedding';
  readonly inputDim: number;
  readonly outputDim: number;
  readonly embeddingsInitializer: InitializerName;
  readonly dtype: DType;

  constructor(options: EmbeddingOptions) {
    const where = 'Embedding';
    const o = readOptions(options, FIELDS, where);
    super(readOptionalName(o.name, `${where}.name`));
    this.inputDim = readPositiveInt(o.inputDim, `${where}.inputDim`);
    this.outputDim = readPositiveInt(o.outputDim, `${where}.outputDim`);
    this.embeddingsInitializer = checkInitializer(
      o.embeddingsInitializer ?? DEFAULT_INITIALIZER,
      `${where}.embeddingsInitializer`,
    );
    this.dtype = readFloatDType(o.dtype, `${where}.dtype`);
  }

  protected override createWeights(_inputShape: Shape): WeightSpec[] {
    return [
      {
        name: 'embeddings',
        shape: [this.inputDim, this.outputDim],
        dtype: this.dtype,
        initializer: this.embeddingsInitializer,
        trainable: true,
      },
    ];
  }

  computeOutputShape(inputShape: Shape): Shape {
    return [...inputShape, this.outputDim];
  }

  call(x: Tensor, weights: LayerWeights, _ctx: CallContext): Tensor {
    const where = `layer '${this.name}'`;
    if (x.dtype === 'bool')
      fail('indices must be int32 or float, got bool', { where, hint: "cast with .cast('int32')" });
    if (x.rank < 1)
      fail('expected a batch of indices, got a scalar', { where, hint: 'give indices as [batch, ...]' });
    this.checkConcreteIndices(x, where);
    const table =
      weights.embeddings ??
      fail("weight 'embeddings' is missing", { where, hint: 'pass every weight the layer declared' });
    const indices = x.dtype === 'int32' ? x : x.cast('int32');
    const hot = ops.oneHot(indices.reshape([-1]), this.inputDim, table.dtype);
    return hot.matmul(table).reshape([...x.shape, this.outputDim]);
  }

  /** Eager inputs (constants or already realised) are checked on the host: it costs one pass. */
  private checkConcreteIndices(x: Tensor, where: string): void {
    const node = x.node;
    const values = node.cached ?? (node.op.kind === 'constant' ? node.op.data : undefined);
    if (!values) return;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!(Number.isInteger(v) && v >= 0 && v < this.inputDim)) {
        fail(`index ${v} at flat position ${i} is outside 0..${this.inputDim - 1}`, {
          where,
          hint: `indices must be whole numbers below inputDim (${this.inputDim}); raise inputDim or map unknown tokens to a reserved index`,
        });
      }
    }
  }

  getConfig(): JsonObject {
    return defined({
      name: this.hasName ? this.name : undefined,
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      embeddingsInitializer: this.embeddingsInitializer,
      dtype: this.dtype,
    });
  }
}
