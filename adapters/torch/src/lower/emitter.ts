import type { Node } from '../core.ts';
import type { Accumulate, Float32Math, PrimContext } from './prims.ts';

/** Lines of one indented block of generated code. */
export class Block {
  readonly lines: string[] = [];
  constructor(readonly indent: string) {}
  add(line: string): void {
    this.lines.push(this.indent + line);
  }
}

/**
 * Shared state of one lowering: fresh local names (all start with '_', so they never clash with
 * argument names), each node's current TorchScript name, and the prim context factory.
 */
export class Emitter {
  private counter = 0;
  private readonly vars = new Map<Node, string>();

  constructor(
    readonly accumulate: Accumulate,
    readonly float32Math: Float32Math,
    private readonly leafName: (n: Node) => string | undefined,
  ) {}

  fresh(prefix = '_v'): string {
    return `${prefix}${this.counter++}`;
  }

  varOf(n: Node): string {
    const v = this.vars.get(n) ?? this.leafName(n);
    if (v === undefined) throw new Error(`internal: node #${n.id} (${n.op.kind}) used before it was emitted`);
    return v;
  }

  setVar(n: Node, name: string): void {
    this.vars.set(n, name);
  }

  /** A prim context whose helper bindings go into `block`. */
  context(block: Block): PrimContext {
    return {
      bind: (expr) => {
        const v = this.fresh('_t');
        block.add(`${v} = ${expr}`);
        return v;
      },
      leaf: (n) => this.varOf(n),
      accumulate: this.accumulate,
      float32Math: this.float32Math,
    };
  }
}
