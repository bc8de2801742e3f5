import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ReferenceBackend, ReptileError, realize, type Tensor } from '@reptile/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadOnnxModel } from './model.ts';
import { readDataSets } from './node-test-case.ts';
import { defaultNodeTestDir } from './node-tests.ts';
import { Value } from './value.ts';

/** Valid models covering decoding paths: initializers, attributes, static shape inputs, recurrences. */
const CASES = [
  ...[
    'test_relu',
    'test_conv_with_strides_padding',
    'test_slice',
    'test_reshape_negative_dim',
    'test_lstm_defaults',
    'test_gru_defaults',
    'test_gather_0',
    'test_maxpool_2d_pads',
    'test_averagepool_2d_ceil',
    'test_tile',
    'test_layer_normalization_2d_axis0',
  ].map((c) => join(defaultNodeTestDir(), c)),
  ...['torch_cnn', 'torch_gru', 'torch_embedding'].map((c) => join(import.meta.dirname, 'fixtures', c)),
].map((dir) => ({
  dir,
  bytes: new Uint8Array(readFileSync(join(dir, 'model.onnx'))),
  inputs: readDataSets(dir)[0]!.inputs,
}));

/** Small limits so a mutated dimension can never make the test allocate much. */
const LIMITS = { maxElements: 1 << 20, maxBytes: 1 << 24 };

type Mutation =
  | { kind: 'flip'; at: number[]; bit: number[] }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: number[] };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('flip' as const),
    at: fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
    bit: fc.array(fc.nat(7), { minLength: 8, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.array(fc.nat(255), { minLength: 1, maxLength: 16 }),
  }),
);

function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  switch (m.kind) {
    case 'flip': {
      const out = bytes.slice();
      m.at.forEach((a, i) => {
        const at = a % out.length;
        out[at] = out[at]! ^ (1 << m.bit[i]!);
      });
      return out;
    }
    case 'truncate':
      return bytes.slice(0, m.at % bytes.length);
    case 'insert': {
      const at = m.at % (bytes.length + 1);
      return Uint8Array.from([...bytes.subarray(0, at), ...m.bytes, ...bytes.subarray(at)]);
    }
  }
}

/** Loads and runs a model; returns how it ended: 'ok', or the error if it was a ReptileError. */
function loadAndRun(bytes: Uint8Array, inputs: (typeof CASES)[number]['inputs']): 'ok' | ReptileError {
  try {
    const model = loadOnnxModel(bytes, { ...LIMITS, name: 'fuzzed.onnx' });
    const feed: Record<string, Tensor> = {};
    model.inputs.forEach((info, i) => {
      const host = inputs[i];
      if (host) feed[info.name] = Value.host(host).tensor('fuzz input');
    });
    const out = model.run(feed);
    realize(Object.values(out), new ReferenceBackend());
    return 'ok';
  } catch (e) {
    if (e instanceof ReptileError) return e;
    throw e;
  }
}

describe('mutated model files load and run, or fail with a ReptileError', () => {
  it('every unmutated case runs', () => {
    for (const c of CASES) expect(loadAndRun(c.bytes, c.inputs), c.dir).toBe('ok');
  });

  it('bit flips, truncation and inserted bytes never raise another error type, hang or allocate hugely', () => {
    let failures = 0;
    fc.assert(
      fc.property(fc.nat(CASES.length - 1), mutation, (which, m) => {
        const c = CASES[which]!;
        const result = loadAndRun(mutate(c.bytes, m), c.inputs);
        if (result !== 'ok') {
          failures++;
          // Every refusal says where: the file name (or a node/tensor within it).
          expect(result.message.length).toBeGreaterThan(10);
        }
      }),
      {
        numRuns: Number(process.env.FUZZ_RUNS ?? 1500),
        ...(process.env.FUZZ_RANDOM ? {} : { seed: 20261129 }),
      },
    );
    // Sanity: the mutations do break files (else the property would be vacuous).
    expect(failures).toBeGreaterThan(100);
  }, 120_000);
});
