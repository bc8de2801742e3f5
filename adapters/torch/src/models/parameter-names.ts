import { fail } from '../core.ts';

/** Where one Reptile weight lives in the exported module. */
export interface ParameterName {
  /** The Reptile weight path, '<layer>/<weight>'. */
  readonly path: string;
  /** The submodule attribute holding the layer's weights ('dense_1'). */
  readonly module: string;
  /** The tensor attribute inside that submodule ('kernel'). */
  readonly attribute: string;
  /** What `named_parameters()` / `state_dict()` show: '<module>.<attribute>'. */
  readonly qualified: string;
}

/**
 * Attribute names the generated top-level class already uses, plus words TorchScript's parser
 * treats specially. A layer whose name collides gets a trailing '_'.
 */
const TAKEN = new Set([
  ...'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(
    ' ',
  ),
  ...'self torch ops CONSTANTS Tensor Tuple List Dict Optional Module float int bool str min max range len annotate training forward reptile_forward reptile_tasks'.split(
    ' ',
  ),
]);

function identifier(raw: string): string {
  let name = raw.replace(/[^A-Za-z0-9_]/g, '_');
  if (!/^[A-Za-z]/.test(name)) name = `w${name}`;
  // kN is the lowering's name for large constant buffers on the top-level module
  if (TAKEN.has(name) || /^k[0-9]+$/.test(name)) name = `${name}_`;
  return name;
}

/**
 * Maps weight paths to TorchScript attributes: one submodule per layer holding that layer's
 * weights, so PyTorch names them as Keras does ('dense_1/kernel' → 'dense_1.kernel').
 * Characters TorchScript identifiers cannot hold ('.', '-') become '_'; names that collide after
 * that get '_2', '_3', ... so every weight keeps its own attribute.
 */
export function parameterNames(paths: readonly string[]): ParameterName[] {
  const modules = new Map<string, string>();
  const usedModules = new Set<string>();
  const usedAttributes = new Map<string, Set<string>>();
  return paths.map((path, i) => {
    const slash = path.indexOf('/');
    if (slash <= 0 || slash === path.length - 1)
      fail(`weight path '${path}' is not '<layer>/<weight>'`, { where: `model.weights[${i}].path` });
    const layer = path.slice(0, slash);
    let module = modules.get(layer);
    if (module === undefined) {
      module = unique(identifier(layer), usedModules);
      modules.set(layer, module);
    }
    let taken = usedAttributes.get(module);
    if (!taken) {
      taken = new Set(['training']);
      usedAttributes.set(module, taken);
    }
    const attribute = unique(identifier(path.slice(slash + 1)), taken);
    return { path, module, attribute, qualified: `${module}.${attribute}` };
  });
}

function unique(base: string, used: Set<string>): string {
  let name = base;
  for (let k = 2; used.has(name); k++) name = `${base}_${k}`;
  used.add(name);
  return name;
}
