import { Tensor } from '@reptile/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Activation } from '../activation-layer.ts';
import { INFERENCE } from '../context.ts';
import { Dense } from '../dense.ts';
import { Functional } from './functional.ts';
import { Add, Concatenate } from './merge.ts';

type Rows = number[][];
const ACTS = {
  linear: (v: number) => v,
  relu: (v: number) => Math.max(v, 0),
  tanh: Math.tanh,
  sigmoid: (v: number) => 1 / (1 + Math.exp(-v)),
};
type Act = keyof typeof ACTS;

const step = fc.record({
  kind: fc.constantFrom('dense', 'add', 'concat', 'activation'),
  picks: fc.array(fc.nat(50), { minLength: 3, maxLength: 3 }),
  units: fc.integer({ min: 1, max: 4 }),
  act: fc.constantFrom<Act>('linear', 'relu', 'tanh', 'sigmoid'),
  useBias: fc.boolean(),
  axis: fc.constantFrom(-1, 1),
});
const recipe = fc.record({
  inputs: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }),
  steps: fc.array(step, { minLength: 1, maxLength: 7 }),
  extraOutputs: fc.array(fc.nat(50), { maxLength: 2 }),
  seed: fc.nat(1000),
});
type Recipe = typeof recipe extends fc.Arbitrary<infer R> ? R : never;

/**
 * Builds a random DAG and, beside it, an independent evaluator written on plain arrays, so the
 * property checks real numbers rather than the model against itself.
 */
function generate(r: Recipe) {
  const model = new Functional({ name: 'random' });
  const width = new Map<string, number>();
  // reference: value name → function of (input rows by name, weights by path) → rows
  type Eval = (ins: Record<string, Rows>, w: Record<string, number[]>) => Rows;
  const evals = new Map<string, Eval>();
  const memo = (f: Eval): Eval => {
    let cache: { ins: unknown; out: Rows } | undefined;
    return (ins, w) => {
      if (cache?.ins !== ins) cache = { ins, out: f(ins, w) };
      return cache.out;
    };
  };
  r.inputs.forEach((d, i) => {
    const name = model.input(`in${i}`, [d], 'float64');
    width.set(name, d);
    evals.set(name, (ins) => ins[name]!);
  });
  const values = () => [...width.keys()];
  const pick = (k: number) => values()[k % values().length]!;
  const addDense = (from: string, units: number, act: Act, useBias: boolean) => {
    const name = model.add(
      new Dense({ units, activation: act, useBias, dtype: 'float64', biasInitializer: 'ones' }),
      from,
    );
    const fanIn = width.get(from)!;
    width.set(name, units);
    const src = evals.get(from)!;
    evals.set(
      name,
      memo((ins, w) =>
        src(ins, w).map((row) =>
          Array.from({ length: units }, (_, j) => {
            let s = useBias ? w[`${name}/bias`]![j]! : 0;
            for (let k = 0; k < fanIn; k++) s += row[k]! * w[`${name}/kernel`]![k * units + j]!;
            return ACTS[act](s);
          }),
        ),
      ),
    );
    return name;
  };
  for (const s of r.steps) {
    const [p0, p1, p2] = s.picks as [number, number, number];
    if (s.kind === 'dense') addDense(pick(p0), s.units, s.act, s.useBias);
    else if (s.kind === 'activation') {
      const from = pick(p0);
      const name = model.add(new Activation({ activation: s.act }), from);
      width.set(name, width.get(from)!);
      const src = evals.get(from)!;
      evals.set(
        name,
        memo((ins, w) => src(ins, w).map((row) => row.map(ACTS[s.act]))),
      );
    } else if (s.kind === 'add') {
      const a = pick(p0);
      const b = addDense(pick(p1), width.get(a)!, s.act, s.useBias);
      const name = model.add(new Add(), [a, b]);
      width.set(name, width.get(a)!);
      const [ea, eb] = [evals.get(a)!, evals.get(b)!];
      evals.set(
        name,
        memo((ins, w) => ea(ins, w).map((row, i) => row.map((v, j) => v + eb(ins, w)[i]![j]!))),
      );
    } else {
      const parts = [pick(p0), pick(p1), pick(p2)];
      const name = model.add(new Concatenate({ axis: s.axis }), parts);
      width.set(
        name,
        parts.reduce((n, p) => n + width.get(p)!, 0),
      );
      const es = parts.map((p) => evals.get(p)!);
      evals.set(
        name,
        memo((ins, w) => es[0]!(ins, w).map((_, i) => es.flatMap((e) => e(ins, w)[i]!))),
      );
    }
  }
  const outputs = [values().at(-1)!, ...r.extraOutputs.map(pick)].filter((v, i, all) => all.indexOf(v) === i);
  for (const o of outputs) model.output(o);
  return { model, width, evals, outputs };
}

describe('Functional (property)', () => {
  it('random DAGs build, survive a JSON config round trip and match a plain-array evaluator', () => {
    fc.assert(
      fc.property(recipe, (r) => {
        const { model, width, evals, outputs } = generate(r);
        model.build();
        for (const [name, d] of width) expect(model.shapeOf(name)).toEqual([d]);
        const copy = Functional.fromConfig(JSON.parse(JSON.stringify(model.getConfig())));
        expect(copy.getConfig()).toEqual(model.getConfig());
        expect(copy.weights).toEqual(model.weights);

        const weights = model.initWeights(r.seed);
        const batch = 2;
        const rows: Record<string, Rows> = {};
        const inputs: Record<string, Tensor> = {};
        r.inputs.forEach((d, i) => {
          rows[`in${i}`] = Array.from({ length: batch }, (_, b) =>
            Array.from({ length: d }, (_, k) => Math.sin(1 + 3 * i + 2 * b + k)),
          );
          inputs[`in${i}`] = Tensor.fromData(rows[`in${i}`]!.flat(), [batch, d], 'float64');
        });
        const w = Object.fromEntries(model.weights.map((s, i) => [s.path, weights[i]!.toArray()]));
        const ours = model.applyNamed(weights, inputs, INFERENCE);
        const theirs = copy.applyNamed(weights, inputs, INFERENCE);
        expect(Object.keys(ours)).toEqual(outputs);
        for (const o of outputs) {
          const got = ours[o]!.toArray();
          expect(theirs[o]!.toArray()).toEqual(got);
          const want = evals.get(o)!(rows, w).flat();
          expect(got.length).toBe(want.length);
          got.forEach((v, i) => {
            expect(v).toBeCloseTo(want[i]!, 12);
          });
        }
      }),
      { numRuns: 60, seed: 20261129 },
    );
  });
});
