import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALL_PRIMS, type Node } from '@reptile/core';
import { describe, expect, it } from 'vitest';
import { encodeModel } from '../proto/schema.ts';
import { checkWithOnnx } from '../testing/onnx-checker.ts';
import { OP_CASES } from '../testing/op-cases.ts';
import { isLeaf, lowerToModel } from './lower.ts';

/**
 * Every op case's model, lowered both ways (leaves as initializers, leaves as graph inputs),
 * passes the official checker with full_check — type and shape inference agree with what we
 * declare for every output.
 */
describe('lowered models pass onnx.checker (full_check)', () => {
  it('for every op case, with constants embedded and with leaves fed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'reptile-onnx-ops-'));
    const files: string[] = [];
    for (const prim of ALL_PRIMS) {
      OP_CASES[prim].forEach((c, k) => {
        const outputs = [...new Set(c.build().map((t) => t.node))];
        const names = outputs.map((_, i) => `y${i}`);
        const leaves = new Set<Node>();
        const visit = (n: Node): void => {
          if (isLeaf(n)) leaves.add(n);
          else n.inputs.forEach(visit);
        };
        outputs.forEach(visit);
        const fed = [...leaves].map((node, i) => ({ node, name: `leaf_${i}` }));
        for (const [mode, inputs] of [
          ['embedded', []],
          ['fed', fed],
        ] as const) {
          const { model } = lowerToModel({ outputs, outputNames: names, inputs });
          const file = join(dir, `${prim}_${k}_${mode}.onnx`);
          writeFileSync(file, encodeModel(model));
          files.push(file);
        }
      });
    }
    const out = checkWithOnnx(files);
    expect(out.trim().split('\n')).toHaveLength(files.length);
  });
});
