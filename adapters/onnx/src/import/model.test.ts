import { join } from 'node:path';
import { type Node, ReferenceBackend, ReptileError, Tensor, type TypedArray } from '@reptile/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeModel, type ModelObject } from '../proto/schema.ts';
import { tensorProto } from '../proto/tensor.ts';
import { createEvaluator, type Evaluator } from './frontends.ts';
import { loadOnnxModel } from './model.ts';
import { mismatch, readDataSets } from './node-test-case.ts';
import { runCaseDir } from './node-tests.ts';
import { Value } from './value.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');

/** A one-node model over float32 [2, 3] input 'x', built with the exporter's own encoder. */
function model(
  nodes: ModelObject['graph']['node'],
  initializer: ModelObject['graph']['initializer'] = [],
): Uint8Array {
  const info = (name: string) => ({
    name,
    type: { tensor_type: { elem_type: 1, shape: { dim: [{ dim_value: 2 }, { dim_value: 3 }] } } },
  });
  return encodeModel({
    ir_version: 8,
    opset_import: [{ domain: '', version: 17 }],
    producer_name: 'test',
    producer_version: '0',
    graph: { name: 'g', node: nodes, initializer, input: [info('x')], output: [info('y')] },
    metadata_props: [],
  });
}

const TORCH_FIXTURES = [
  'torch_mlp',
  'torch_cnn',
  'torch_lstm',
  'torch_gru',
  'torch_embedding',
  'torch_attention',
  'torch_upsample',
];

describe.each(['reference', 'tfjs-cpu', 'onnx', 'torch'] as const)(
  'PyTorch-exported models on %s (expected outputs from PyTorch, fixtures/make_fixtures.py)',
  (frontend) => {
    let evaluator: Evaluator;
    beforeAll(async () => {
      evaluator = await createEvaluator(frontend);
    });
    afterAll(() => evaluator.close());

    it.each(TORCH_FIXTURES)('%s matches PyTorch', async (name) => {
      expect(await runCaseDir(join(FIXTURES, name), evaluator)).toBeUndefined();
    });
  },
);

describe('inputs only known when running (placeholders bound at realisation)', () => {
  // The data-dependent paths: Gather / GatherElements / OneHot through one-hot masks.
  it.each([
    ['gather_negative_indices_axis1', [0, 1]],
    ['gather_elements_axis0', [0, 1]],
    ['onehot_axis0', [0, 2]],
    ['torch_embedding', [0]],
  ])('%s gives the expected output with inputs %j as placeholders', (name, dynamic) => {
    const dir = name.startsWith('torch') ? join(FIXTURES, name) : join(FIXTURES, 'ops', name);
    const m = loadOnnxModel(join(dir, 'model.onnx'));
    const [set] = readDataSets(dir);
    const bindings = new Map<Node, TypedArray>();
    const feed: Record<string, Tensor> = {};
    m.inputs.forEach((info, i) => {
      const host = set!.inputs[i]!;
      const value = Value.host(host).tensor('test');
      if (!dynamic.includes(i)) {
        feed[info.name] = value;
        return;
      }
      const p = Tensor.placeholder(info.name, host.dims, value.dtype);
      bindings.set(p.node, value.data());
      feed[info.name] = p;
    });
    const out = m.run(feed);
    const tensors = m.outputs.map((o) => out[o.name]!);
    const values = new ReferenceBackend().run(
      tensors.map((t) => t.node),
      bindings,
    );
    tensors.forEach((t, i) => {
      expect(mismatch(values[i]!, t.shape, t.dtype, set!.outputs[i]!)).toBeUndefined();
    });
  });
});

describe('loadOnnxModel', () => {
  it('runs a model from bytes: y = x·W + b with W an initializer (hand-computed)', () => {
    const w = tensorProto('w', 'float32', [3, 2], Float32Array.from([1, 0, 0, 1, 1, 1]));
    const b = tensorProto('b', 'float32', [2], Float32Array.from([10, 20]));
    const bytes = encodeModel({
      ir_version: 8,
      opset_import: [{ domain: '', version: 17 }],
      producer_name: 'test',
      producer_version: '0',
      graph: {
        name: 'g',
        node: [
          { name: 'mm', op_type: 'MatMul', input: ['x', 'w'], output: ['h'], attribute: [] },
          { name: 'add', op_type: 'Add', input: ['h', 'b'], output: ['y'], attribute: [] },
        ],
        initializer: [w, b],
        input: [
          {
            name: 'x',
            type: { tensor_type: { elem_type: 1, shape: { dim: [{ dim_value: 2 }, { dim_value: 3 }] } } },
          },
        ],
        output: [
          {
            name: 'y',
            type: { tensor_type: { elem_type: 1, shape: { dim: [{ dim_value: 2 }, { dim_value: 2 }] } } },
          },
        ],
      },
      metadata_props: [],
    });
    const m = loadOnnxModel(bytes);
    expect(m.inputs.map((i) => [i.name, i.elem, i.dims])).toEqual([['x', 'float32', [2, 3]]]);
    const { y } = m.run({ x: Tensor.fromData([1, 2, 3, 4, 5, 6], [2, 3]) });
    // rows: [1+3, 2+3] + [10, 20] and [4+6, 5+6] + [10, 20]
    expect(y!.toArray()).toEqual([14, 25, 20, 31]);
  });

  it('names the op type, node name and index of an unsupported operator', () => {
    const m = loadOnnxModel(
      model([{ name: 'mystery', op_type: 'Det', input: ['x'], output: ['y'], attribute: [] }]),
      { name: 'det.onnx' },
    );
    expect(() => m.run({ x: Tensor.zeros([2, 3]) })).toThrow(
      /det\.onnx: node 0 'mystery'.*operator Det is not supported/,
    );
  });

  it('refuses a data-dependent shape with a clear message', () => {
    const m = loadOnnxModel(
      model([
        {
          name: 'shape_from_data',
          op_type: 'Cast',
          input: ['x'],
          output: ['s'],
          attribute: [{ name: 'to', type: 2, i: 7 }],
        },
        { name: 'r', op_type: 'Reshape', input: ['x', 's'], output: ['y'], attribute: [] },
      ]),
      { name: 'dd.onnx' },
    );
    expect(() => m.run({ x: Tensor.placeholder('x', [2, 3]) })).toThrow(
      /^dd\.onnx: node 1 'r' \(Reshape\): input 1: needs a value known before running.*depends on input data/,
    );
  });

  it('checks inputs: missing, wrong dtype, wrong shape, unknown name', () => {
    const m = loadOnnxModel(
      model([{ name: 'n', op_type: 'Relu', input: ['x'], output: ['y'], attribute: [] }]),
    );
    expect(() => m.run({})).toThrow(ReptileError);
    expect(() => m.run({ x: Tensor.zeros([2, 3], 'float64') })).toThrow(
      /has dtype float64, the model declares float32/,
    );
    expect(() => m.run({ x: Tensor.zeros([3, 2]) })).toThrow(/has shape \[3,2\], the model declares \[2,3\]/);
    expect(() => m.run({ x: Tensor.zeros([2, 3]), z: Tensor.zeros([1]) })).toThrow(/'z' is not an input/);
  });

  it('names a missing file', () => {
    expect(() => loadOnnxModel('/nonexistent/model.onnx')).toThrow(
      /\/nonexistent\/model\.onnx: cannot read the model file \(ENOENT\)/,
    );
  });
});
