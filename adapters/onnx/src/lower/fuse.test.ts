import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALL_PRIMS, optimizerFromConfig, Tensor } from '@reptile/core';
import { describe, expect, it } from 'vitest';
import { optimizerStepProgram } from '../export/optimizer-step.ts';
import { compileProgram, programModel } from '../program.ts';
import { encodeModel } from '../proto/schema.ts';
import { expectSame, reference, runEmbedded, runOn } from '../testing/compare.ts';
import { checkWithOnnx } from '../testing/onnx-checker.ts';
import { OP_CASES } from '../testing/op-cases.ts';
import { chunkFor } from './fuse.ts';

/** Fusion thresholds lowered to tiny sizes, so every op case and optimizer runs through Scans. */
const TINY = { fuse: { minSize: 1, chunk: 2 } } as const;
const TINY_FLAT = { ...TINY, exactOutputShapes: false } as const;

describe('chunkFor', () => {
  it('picks a divisor of n near the target, or none', () => {
    expect(chunkFor(10_000_000, 32768)).toBe(31250); // 10^7 = 2^7·5^7; 31250 = 2·5^6
    expect(chunkFor(12, 4)).toBe(4);
    expect(chunkFor(1_000_003, 32768)).toBeUndefined(); // prime
  });
});

describe('chunked fusion (Scan) gives the reference values', () => {
  for (const prim of ALL_PRIMS) {
    OP_CASES[prim].forEach((c) => {
      it(`${prim} ${c.name}`, () => {
        const want = runOn(c.build, reference);
        runEmbedded(c.build, TINY).forEach((g, i) => {
          expectSame(g, want[i]!, `${prim} ${c.name} #${i}`, c.ulps);
        });
        runEmbedded(c.build, TINY_FLAT).forEach((g, i) => {
          expectSame(g, want[i]!, `${prim} ${c.name} (flat outputs) #${i}`, c.ulps);
        });
      });
    });
  }

  it('stages regions around reductions (LAMB: norms of one elementwise result scale another)', () => {
    const specs = [{ name: 'w', shape: [6] }];
    const p = Float32Array.from([0.5, -1, 2, 0.25, -0.75, 1.5]);
    const g = Float32Array.from([0.1, 0.2, -0.3, 0.05, 0, -0.1]);
    const program = optimizerStepProgram({ name: 'lamb', lr: 0.01, weightDecay: 0.1 }, specs);
    expect(encodeModel(programModel(program, TINY).model).length).toBeGreaterThan(0);
    const fused = compileProgram(program, TINY);
    const [next] = fused.runSync([
      p,
      g,
      new Float32Array(6),
      new Float32Array(6),
      Float64Array.of(1),
      Float64Array.of(0.01),
    ]);
    const opt = optimizerFromConfig({ name: 'lamb', lr: 0.01, weightDecay: 0.1 });
    const w = [Tensor.fromData(p, [6])];
    const want = opt.step(w, [Tensor.fromData(g, [6])], opt.init(w)).params[0]!.data();
    expectSame(next!, want as Float32Array, 'lamb');
    const model = programModel(program, TINY).model;
    expect(model.graph.node.filter((n) => n.op_type === 'Scan').length).toBeGreaterThanOrEqual(2);
    fused.release();
  });

  it('fused models pass onnx.checker (full_check)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'reptile-onnx-fused-'));
    const file = join(dir, 'adam_fused.onnx');
    const model = programModel(
      optimizerStepProgram({ name: 'adam', amsgrad: true }, [{ name: 'w', shape: [8, 4] }]),
      TINY,
    ).model;
    expect(model.graph.node.some((n) => n.op_type === 'Scan')).toBe(true);
    writeFileSync(file, encodeModel(model));
    expect(checkWithOnnx([file])).toContain(`ok ${file}`);
  });
});
