import { describe, expect, it } from 'vitest';
import { parameterNames } from './parameter-names.ts';

describe('parameterNames', () => {
  it("maps '<layer>/<weight>' to submodule '<layer>' and attribute '<weight>'", () => {
    const names = parameterNames(['dense_1/kernel', 'dense_1/bias', 'bn/movingMean']);
    expect(names.map((n) => n.qualified)).toEqual(['dense_1.kernel', 'dense_1.bias', 'bn.movingMean']);
    expect(names[2]).toEqual({
      path: 'bn/movingMean',
      module: 'bn',
      attribute: 'movingMean',
      qualified: 'bn.movingMean',
    });
  });

  it('replaces characters identifiers cannot hold and keeps colliding names apart', () => {
    const names = parameterNames(['enc.0/kernel', 'enc-0/kernel', 'enc_0/kernel']);
    expect(names.map((n) => n.qualified)).toEqual(['enc_0.kernel', 'enc_0_2.kernel', 'enc_0_3.kernel']);
  });

  it('renames layers that would shadow the module or TorchScript names', () => {
    const layers = ['forward', 'training', 'reptile_tasks', 'k0', 'torch', 'self', 'if'];
    const names = parameterNames(layers.map((l) => `${l}/w`));
    expect(names.map((n) => n.module)).toEqual([
      'forward_',
      'training_',
      'reptile_tasks_',
      'k0_',
      'torch_',
      'self_',
      'if_',
    ]);
    expect(parameterNames(['bn/training'])[0]!.attribute).toBe('training_');
  });

  it('refuses paths that are not <layer>/<weight>', () => {
    expect(() => parameterNames(['kernel'])).toThrow(
      /model\.weights\[0\]\.path: weight path 'kernel' is not '<layer>\/<weight>'/,
    );
    expect(() => parameterNames(['a/b', 'dense/'])).toThrow(/model\.weights\[1\]\.path/);
  });
});
