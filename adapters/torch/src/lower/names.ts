/**
 * Names that generated code must not shadow: Python keywords and the globals the archive
 * dialect resolves (`torch`, `ops`, `CONSTANTS`, builtins used by the emitter).
 */
const RESERVED = new Set([
  ...'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(
    ' ',
  ),
  ...'self torch ops CONSTANTS Tensor Tuple List Dict Optional Module float int bool str min max range len print annotate uninitialized math'.split(
    ' ',
  ),
]);

/**
 * TorchScript argument names for graph inputs. Names are kept readable ('param.0' → 'param_0');
 * generated locals all start with '_', so arguments never start with one.
 */
export function argumentNames(names: readonly string[]): string[] {
  const used = new Set<string>();
  return names.map((raw, i) => {
    let base = raw.replace(/[^A-Za-z0-9_]/g, '_').replace(/^_+/, '');
    if (base === '' || /^[0-9]/.test(base)) base = `x${i}_${base}`.replace(/_$/, '');
    if (RESERVED.has(base)) base = `${base}_`;
    let name = base;
    for (let k = 2; used.has(name); k++) name = `${base}_${k}`;
    used.add(name);
    return name;
  });
}

export function isClassName(name: string): boolean {
  return /^[A-Za-z][A-Za-z0-9_]*$/.test(name) && !RESERVED.has(name);
}
