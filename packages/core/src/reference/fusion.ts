import { type DType, type TypedArray, toInt32 } from '../dtype.ts';
import type { Node } from '../ir/node.ts';

/**
 * Compiles a tree of elementwise nodes into one JavaScript loop, so an optimizer update over a
 * million parameters makes a few passes over memory instead of one per primitive. Each float32
 * result is rounded with Math.fround, so fused code gives exactly the values op-by-op float32
 * evaluation would. Compiled loops are cached by their source text.
 */
export type FusedKernel = (
  out: TypedArray,
  n: number,
  toI: (x: number) => number,
  ...inputs: TypedArray[]
) => void;

const compiled = new Map<string, FusedKernel>();

/** `leaves` are the materialised inputs of the tree; scalars (size 1) are hoisted out of the loop. */
export function runFused(
  root: Node,
  isLeaf: (n: Node) => boolean,
  value: (n: Node) => TypedArray,
  out: TypedArray,
): void {
  const leaves: Node[] = [];
  const leafIndex = new Map<Node, number>();
  const names = new Map<Node, string>();
  const hoisted: string[] = [];
  const body: string[] = [];
  const emit = (node: Node): string => {
    const known = names.get(node);
    if (known) return known;
    const leafHere = isLeaf(node);
    if (leafHere || node.op.kind === 'expand') {
      // an expand that is not materialised reaches here only from a size-1 input: a scalar broadcast
      const leaf = leafHere ? node : node.inputs[0]!;
      let idx = leafIndex.get(leaf);
      if (idx === undefined) {
        idx = leaves.length;
        leaves.push(leaf);
        leafIndex.set(leaf, idx);
      }
      let name: string;
      if (leaf.size === 1 && root.size !== 1) {
        name = `s${idx}`;
        hoisted.push(`const ${name} = in${idx}[0];`);
      } else {
        name = `v${idx}`;
        body.push(`const ${name} = in${idx}[i];`);
      }
      names.set(node, name);
      return name;
    }
    const args = node.inputs.map(emit);
    const name = `t${names.size}`;
    body.push(`const ${name} = ${expression(node, args)};`);
    names.set(node, name);
    return name;
  };
  const result = emit(root);
  const params = leaves.map((_, i) => `in${i}`);
  const source = `${hoisted.join('\n')}\nfor (let i = 0; i < n; i++) {\n${body.join('\n')}\nout[i] = ${result};\n}`;
  let kernel = compiled.get(source);
  if (!kernel) {
    kernel = new Function('out', 'n', 'toI', ...params, source) as FusedKernel;
    compiled.set(source, kernel);
  }
  kernel(out, out.length, toInt32, ...leaves.map(value));
}

function round(dtype: DType, code: string): string {
  if (dtype === 'float32') return `Math.fround(${code})`;
  if (dtype === 'int32') return `(${code} | 0)`;
  return code;
}

function expression(node: Node, [a, b, c]: readonly string[]): string {
  const op = node.op;
  const dtype = node.dtype;
  switch (op.kind) {
    case 'reshape':
      return a!;
    case 'cast':
      switch (op.to) {
        case 'float32':
          return `Math.fround(${a})`;
        case 'float64':
          return a!;
        case 'int32':
          return node.inputs[0]!.dtype === 'bool' ? a! : `toI(${a})`;
        case 'bool':
          return `(${a} !== 0 ? 1 : 0)`;
      }
      break;
    case 'where':
      return `(${a} !== 0 ? ${b} : ${c})`;
    case 'compare': {
      const sym = { lt: '<', le: '<=', gt: '>', ge: '>=', eq: '===', ne: '!==' }[op.fn];
      return `(${a} ${sym} ${b} ? 1 : 0)`;
    }
    case 'unary':
      switch (op.fn) {
        case 'neg':
          return dtype === 'int32' ? `(-${a} | 0)` : `(-${a})`;
        case 'abs':
          return dtype === 'int32' ? `(Math.abs(${a}) | 0)` : `Math.abs(${a})`;
        case 'sign':
          return `Math.sign(${a})`;
        case 'floor':
          return `Math.floor(${a})`;
        case 'ceil':
          return `Math.ceil(${a})`;
        case 'not':
          return `(${a} !== 0 ? 0 : 1)`;
        default:
          return round(dtype, `Math.${op.fn}(${a})`);
      }
    case 'binary':
      switch (op.fn) {
        case 'add':
          return round(dtype, `${a} + ${b}`);
        case 'sub':
          return round(dtype, `${a} - ${b}`);
        case 'mul':
          return dtype === 'int32' ? `Math.imul(${a}, ${b})` : round(dtype, `${a} * ${b}`);
        case 'div':
          // int32 division truncates toward zero; x / 0 gives 0 (documented in docs/protocol.md)
          return round(dtype, `${a} / ${b}`);
        case 'pow':
          return round(dtype, `Math.pow(${a}, ${b})`);
        case 'maximum':
          return `Math.max(${a}, ${b})`;
        case 'minimum':
          return `Math.min(${a}, ${b})`;
        case 'and':
          return `(${a} & ${b})`;
        case 'or':
          return `(${a} | ${b})`;
      }
  }
  throw new Error(`not an elementwise node: ${op.kind}`);
}
