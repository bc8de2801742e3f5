import type { PrimName } from '@reptile/core';
import type { LowerRule } from './context.ts';
import { ELEMENTWISE_RULES } from './elementwise.ts';
import { STRUCTURAL_RULES } from './structural.ts';

/**
 * One lowering per primitive. Typed as a full Record so adding a primitive to the IR without
 * a lowering here is a compile error. Leaves: a constant that stays in the graph becomes an
 * initializer; `input` placeholders are always graph inputs, bound by the driver.
 */
export const LOWERINGS: Readonly<Record<PrimName, LowerRule>> = {
  ...ELEMENTWISE_RULES,
  ...STRUCTURAL_RULES,
  // Also used for any node an earlier eager run cached: its value is embedded the same way.
  constant: (ctx, node) => {
    const data = node.cached ?? (node.op.kind === 'constant' ? node.op.data : undefined);
    if (!data) throw new Error(`internal: IR node ${node.id} has no host value to embed`);
    return ctx.b.initializer('const', node.dtype, node.shape, data);
  },
  input: (_ctx, node) => {
    throw new Error(`internal: placeholder #${node.id} reached the lowering table; the driver binds inputs`);
  },
};
