import type { Node } from '@reptile/core';
import type { GraphBuilder } from '../proto/graph-builder.ts';
import type { FuseOptions } from './fuse.ts';

/** How float32 reductions and matmuls accumulate. */
export type Accumulate = 'float64' | 'native';

export interface LowerOptions {
  /**
   * 'float64' (default) casts float32 operands of `sum` and `matmul` to double, reduces, and
   * rounds once, exactly as the protocol specifies. 'native' lets onnxruntime accumulate in
   * float32 (faster; results differ in the last bits for long reductions).
   */
  readonly accumulate?: Accumulate;
  /**
   * Chunked fusion of large elementwise regions into one Scan each (fuse.ts); `false` turns it
   * off. Default: regions of ≥ 131072 elements, chunks of about 32768.
   */
  readonly fuse?: false | FuseOptions;
  /**
   * false lets a graph output computed by a fused region keep the Scan's [chunks, chunk] shape
   * (same elements, same order) instead of being copied into its declared shape. For runtimes
   * that read outputs as flat arrays (OnnxOptimizer, OnnxTrainer, OnnxBackend); exported files
   * keep exact shapes. Default true.
   */
  readonly exactOutputShapes?: boolean;
}

/** What one lowering rule sees: the graph being built and the options. */
export interface LowerContext {
  readonly b: GraphBuilder;
  readonly accumulate: Accumulate;
  /**
   * Leaves fed as graph inputs. Their values change from run to run even when they are IR
   * constants (the backend feeds every leaf and reuses a graph per signature), so rules must not
   * read them (see constantValues).
   */
  readonly fed: ReadonlySet<Node>;
}

/**
 * Lowers one IR node whose inputs are already available as ONNX values (`x`), returning the name
 * of the value holding the node's result (same shape, dtype and storage as the reference).
 */
export type LowerRule = (ctx: LowerContext, node: Node, x: readonly string[]) => string;
