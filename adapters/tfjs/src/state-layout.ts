import { fail, Tensor } from '@reptile/core';

/**
 * Where the per-parameter entries sit inside an optimizer state. Reptile states are plain trees
 * whose per-parameter parts are arrays in parameter order (Optax style); tfjs hands gradients
 * over by variable name, in any order and sometimes for a subset. Knowing the layout lets the
 * adapter store each variable's slots under its name and rebuild a positional state for exactly
 * the variables of each call, so reordering variables can never misalign state.
 *
 * The layout is found by calling init() for one and for two parameters: an array whose length
 * follows the parameter count is per-parameter; everything else is shared.
 */
export type Layout =
  | { readonly kind: 'perParam'; readonly item: Layout }
  | { readonly kind: 'array'; readonly items: readonly Layout[] }
  | { readonly kind: 'record'; readonly fields: readonly (readonly [string, Layout])[] }
  | { readonly kind: 'leaf' };

export function probeLayout(init: (params: readonly Tensor[]) => unknown, where: string): Layout {
  const one = init([Tensor.zeros([1])]);
  const two = init([Tensor.zeros([1]), Tensor.zeros([2])]);
  return compare(one, two, where);
}

function compare(a: unknown, b: unknown, where: string): Layout {
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length === 1 && b.length === 2) {
      const item = compare(a[0], b[0], `${where}[*]`);
      compare(b[0], b[1], `${where}[*]`);
      return { kind: 'perParam', item };
    }
    if (a.length !== b.length) {
      fail('optimizer state has an array whose length depends on the parameters in an unknown way', {
        where,
        hint: 'per-parameter state must be an array with one entry per parameter',
      });
    }
    return { kind: 'array', items: a.map((x, i) => compare(x, b[i], `${where}[${i}]`)) };
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a).sort();
    if (keys.join(',') !== Object.keys(b).sort().join(',')) {
      fail('optimizer state records differ between parameter counts', { where });
    }
    return { kind: 'record', fields: keys.map((k) => [k, compare(a[k], b[k], `${where}.${k}`)] as const) };
  }
  return { kind: 'leaf' };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Tensor);
}

/**
 * A state split by name: `shared` holds everything outside per-parameter arrays (leaves in
 * traversal order), `slots.get(name)` the entries of each per-parameter array for that variable.
 */
export interface SplitState<L> {
  readonly shared: L[];
  readonly slots: Map<string, L[]>;
}

/** Splits a positional state for params `names` into per-name slots; leaves are mapped by `leaf`. */
export function splitState<L>(
  state: unknown,
  layout: Layout,
  names: readonly string[],
  leaf: (v: unknown) => L,
): SplitState<L> {
  const shared: L[] = [];
  const slots = new Map<string, L[]>(names.map((n) => [n, []]));
  const walk = (v: unknown, l: Layout, sink: (x: L) => void): void => {
    switch (l.kind) {
      case 'perParam': {
        const list = v as unknown[];
        if (!Array.isArray(list) || list.length !== names.length)
          fail('internal: per-parameter state does not match the parameters');
        list.forEach((item, i) => {
          const target = slots.get(names[i]!)!;
          walk(item, l.item, (x) => target.push(x));
        });
        return;
      }
      case 'array':
        l.items.forEach((item, i) => {
          walk((v as unknown[])[i], item, sink);
        });
        return;
      case 'record':
        for (const [k, item] of l.fields) walk((v as Record<string, unknown>)[k], item, sink);
        return;
      case 'leaf':
        sink(leaf(v));
    }
  };
  walk(state, layout, (x) => shared.push(x));
  return { shared, slots };
}

/** The positional state for params `names`, built from shared leaves and per-name slots. */
export function assembleState<L>(
  split: SplitState<L>,
  layout: Layout,
  names: readonly string[],
  leaf: (x: L) => unknown,
): unknown {
  let sharedAt = 0;
  const slotAt = new Map<string, number>(names.map((n) => [n, 0]));
  const build = (l: Layout, take: () => L): unknown => {
    switch (l.kind) {
      case 'perParam':
        return names.map((name) => {
          const slots = split.slots.get(name) ?? fail(`internal: no state for '${name}'`);
          return build(l.item, () => {
            const i = slotAt.get(name)!;
            slotAt.set(name, i + 1);
            if (i >= slots.length) fail(`internal: state for '${name}' is short`);
            return slots[i]!;
          });
        });
      case 'array':
        return l.items.map((item) => build(item, take));
      case 'record':
        return Object.fromEntries(l.fields.map(([k, item]) => [k, build(item, take)]));
      case 'leaf':
        return leaf(take());
    }
  };
  return build(layout, () => {
    if (sharedAt >= split.shared.length) fail('internal: shared state is short');
    return split.shared[sharedAt++]!;
  });
}

/** Dotted paths of the leaves of one variable's slots and of the shared part, in storage order. */
export function leafPaths(layout: Layout): { shared: string[]; slot: string[] } {
  const shared: string[] = [];
  const slot: string[] = [];
  const walk = (l: Layout, path: string, inSlot: boolean): void => {
    const at = (p: string) => (path === '' ? p : `${path}.${p}`);
    switch (l.kind) {
      case 'perParam':
        walk(l.item, path, true);
        return;
      case 'array':
        l.items.forEach((item, i) => {
          walk(item, at(String(i)), inSlot);
        });
        return;
      case 'record':
        for (const [k, item] of l.fields) walk(item, at(k), inSlot);
        return;
      case 'leaf':
        (inSlot ? slot : shared).push(path === '' ? 'value' : path);
    }
  };
  walk(layout, '', false);
  return { shared, slot };
}
