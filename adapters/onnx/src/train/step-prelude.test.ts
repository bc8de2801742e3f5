import { type Node, Tensor, type TypedArray, topoSort } from '@reptile/core';
import { describe, expect, it } from 'vitest';
import { optimizerStepProgram } from '../export/optimizer-step.ts';
import { compileProgram, type Program } from '../program.ts';
import { splitPrelude } from './step-prelude.ts';

const N = 11;
const chunkOf = (config: unknown) => optimizerStepProgram(config, [{ name: 'chunk', shape: [N] }]);

const run = (program: Program, values: ReadonlyMap<string, TypedArray>) => {
  const compiled = compileProgram(program, { exactOutputShapes: true, fuse: false });
  try {
    return compiled.runSync(program.inputs.map((i) => values.get(i.name)!));
  } finally {
    compiled.release();
  }
};

/** The chunk program's inputs for update number `step`: pseudo-random tensors, positive state. */
function inputsFor(program: Program, step: number, lr: number): Map<string, TypedArray> {
  return new Map(
    program.inputs.map((i, k): [string, TypedArray] => {
      if (i.name === 'step') return [i.name, Float64Array.of(step)];
      if (i.name === 'lr') return [i.name, Float64Array.of(lr)];
      const f = (j: number) => Math.sin(j * 2.3 + k * 1.1 + step);
      return [
        i.name,
        Float32Array.from({ length: N }, (_, j) => (i.name.startsWith('state.') ? f(j) ** 2 : f(j))),
      ];
    }),
  );
}

const SPLIT: readonly unknown[] = [
  { name: 'adam', lr: 0.01 },
  { name: 'adam', lr: 0.01, amsgrad: true, weightDecay: 0.1, epsilonStyle: 'keras' },
  { name: 'adamw', lr: 0.01, weightDecay: 0.05 },
  { name: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true },
  { name: 'rmsprop', lr: 0.01, centered: true, momentum: 0.5 },
  { name: 'adagrad', lr: 0.1, lrDecay: 0.01 },
  { name: 'lion', lr: 0.001, weightDecay: 0.1 },
];

describe('splitPrelude: per-step scalars out of the chunk graph', () => {
  it('moves Adam’s bias corrections and −lr into the prelude; the body keeps only per-element work', () => {
    const split = splitPrelude(chunkOf({ name: 'adam', lr: 0.01 }))!;
    expect(split.prelude.inputs.map((i) => i.name)).toEqual(['step', 'lr']);
    expect(split.body.inputs.map((i) => i.name)).toEqual([
      'params.chunk',
      'grads.chunk',
      'state.1.m.0',
      'state.1.v.0',
      'prelude.0',
      'prelude.1',
      'prelude.2',
    ]);
    // in the body, a node that does not vary per element is a leaf or a broadcast of one
    const perElement = new Set<Node>();
    for (const n of topoSort(split.body.outputs.map((o) => o.node))) {
      const varies =
        (n.op.kind === 'input' && /^(params|grads|state)\./.test(n.op.name)) ||
        n.inputs.some((i) => perElement.has(i));
      if (varies) perElement.add(n);
      else expect(['input', 'constant', 'reshape', 'expand'], n.op.kind).toContain(n.op.kind);
    }
  });

  it('computes torch.optim.Adam’s step scalars: sqrt(1 − β2^t), 1 − β1^t and −lr (float32)', () => {
    const split = splitPrelude(chunkOf({ name: 'adam', lr: 0.01 }))!;
    for (const t of [1, 3, 50]) {
      const got = run(
        split.prelude,
        new Map([
          ['step', Float64Array.of(t)],
          ['lr', Float64Array.of(0.02)],
        ]),
      );
      const want = [Math.sqrt(1 - 0.999 ** t), 1 - 0.9 ** t, -0.02];
      expect(got.map((a) => a.length)).toEqual([1, 1, 1]);
      got.forEach((a, k) => {
        expect(a).toBeInstanceOf(Float32Array);
        expect(Math.abs(a[0]! - want[k]!)).toBeLessThanOrEqual(1e-7 * Math.abs(want[k]!));
      });
    }
  });

  for (const config of SPLIT) {
    it(`${JSON.stringify(config)}: prelude then body equals the unsplit chunk graph bit for bit`, () => {
      const chunk = chunkOf(config);
      const split = splitPrelude(chunk)!;
      expect(split).toBeDefined();
      for (const step of [1, 2, 7, 1000, 123456]) {
        const values = inputsFor(chunk, step, 0.003 * step ** -0.5);
        const scalars = run(split.prelude, values);
        split.prelude.outputs.forEach((o, k) => {
          values.set(o.name, scalars[k]!);
        });
        const got = run(split.body, values).map((a) => Array.from(a));
        expect(got, `step ${step}`).toEqual(run(chunk, values).map((a) => Array.from(a)));
      }
    });
  }

  it('returns undefined when no per-element work reads a computed scalar', () => {
    const x = Tensor.placeholder('params.x', [4]);
    const lr = Tensor.placeholder('lr', [], 'float32');
    const program: Program = {
      name: 'plain',
      inputs: [
        { name: 'params.x', node: x.node },
        { name: 'lr', node: lr.node },
      ],
      outputs: [{ name: 'new_params.x', node: x.mul(2).mul(lr).node }],
    };
    expect(splitPrelude(program)).toBeUndefined();
  });
});
