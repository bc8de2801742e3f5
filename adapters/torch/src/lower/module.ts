import type { DType, Shape, TypedArray } from '../core.ts';

/** A tensor stored in the archive (a constant or a buffer), row-major in its dtype. */
export interface ConstTensor {
  readonly dtype: DType;
  readonly shape: Shape;
  readonly data: TypedArray;
}

export interface TensorSignature {
  /** The graph's name for the tensor (the TorchScript argument name may be sanitised). */
  readonly name: string;
  readonly dtype: DType;
  readonly shape: Shape;
}

export interface InputSignature extends TensorSignature {
  /** The TorchScript argument name. */
  readonly arg: string;
  /** Set when the artifact overwrites this input with an output (in-place update). */
  readonly donatedTo?: string;
}

export interface OutputSignature extends TensorSignature {
  /** Set when this output is written into (and returned as) that input tensor. */
  readonly donates?: string;
}

export interface ModuleSignature {
  readonly inputs: readonly InputSignature[];
  readonly outputs: readonly OutputSignature[];
}

/**
 * One scripted module: the source of `code/__torch__.py`, the tensors the code refers to as
 * `CONSTANTS.cN` (constants.pkl) and as `self.<name>` buffers (data.pkl), and the signature.
 */
export interface TorchScriptModule {
  readonly className: string;
  readonly source: string;
  readonly constants: readonly ConstTensor[];
  readonly buffers: readonly { readonly name: string; readonly tensor: ConstTensor }[];
  /** The signature of `forward`. */
  readonly signature: ModuleSignature;
  /** Every method's signature, `forward` included. */
  readonly methods: Readonly<Record<string, ModuleSignature>>;
  /** int attributes of the module object (declared `name : int` in the class). */
  readonly attributes: Readonly<Record<string, number>>;
}
