import type { Shape } from '@reptile/core';
import type { Layer, WeightSpec } from '../layer.ts';
import type { GraphInput } from './graph-inputs.ts';

export function paramCount(specs: readonly WeightSpec[]): number {
  return specs.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
}

/** Left-aligned columns, two spaces apart. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Functional.summary: one row per input and layer; shapes show '?' before the model is built. */
export function graphSummary(
  inputs: readonly GraphInput[],
  nodes: readonly { readonly layer: Layer; readonly inbound: readonly string[] }[],
  shapes: ReadonlyMap<string, Shape> | undefined,
  outputs: readonly string[],
): string {
  const shown = (name: string) => {
    const shape = shapes?.get(name);
    return shape ? `[batch, ${shape.join(', ')}]` : '?';
  };
  const rows = [['layer', 'type', 'inbound', 'output shape', 'params']];
  for (const input of inputs)
    rows.push([input.name, `Input(${input.dtype})`, '', `[batch, ${input.shape.join(', ')}]`, '0']);
  let total = 0;
  for (const { layer, inbound } of nodes) {
    const count = paramCount(layer.weightSpecs);
    total += count;
    rows.push([layer.name, layer.className, inbound.join(', '), shown(layer.name), String(count)]);
  }
  return [formatTable(rows), `outputs: ${outputs.join(', ')}`, `total params: ${total}`].join('\n');
}
