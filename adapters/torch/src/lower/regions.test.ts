import { describe, expect, it } from 'vitest';
import { type Graph, type Node, Tensor, topoSort, trace } from '../core.ts';
import { planRegions } from './regions.ts';

function regionsOf(graph: Graph, minSize: number) {
  const inputs = new Set(graph.inputs);
  const isLeaf = (n: Node) => inputs.has(n) || n.op.kind === 'constant' || n.op.kind === 'input';
  const order = topoSort(graph.outputs, isLeaf);
  const map = planRegions(order, isLeaf, minSize);
  return { map, regions: [...new Set(map.values())] };
}

const spec = (name: string, n = 1000) => ({ name, shape: [n], dtype: 'float32' as const });
const scalar = (name: string) => ({ name, shape: [], dtype: 'float64' as const });

describe('planRegions', () => {
  it('puts a whole Adam-like elementwise step into one region, scalars outside it', () => {
    const g = trace([spec('p'), spec('m'), spec('g'), scalar('lr')], (p, m, g, lr) => {
      const m2 = m.mul(0.9).add(g.mul(0.1));
      const step = m2.div(m2.abs().sqrt().add(1e-8)).mul(lr.cast('float32'));
      return { p: p.sub(step), m: m2 };
    });
    const { regions, map } = regionsOf(g, 100);
    expect(regions).toHaveLength(1);
    // both outputs, and every elementwise op, are members; the scalar cast of lr is not (size 1)
    expect(map.has(g.outputs[0]!) && map.has(g.outputs[1]!)).toBe(true);
    const lrCast = topoSort(g.outputs).find((n) => n.op.kind === 'cast')!;
    expect(map.has(lrCast)).toBe(false);
  });

  it('splits a chain that needs a reduction of its own values (LAMB trust ratio): no cycle', () => {
    const g = trace([spec('p'), spec('g')], (p, g) => {
      const r = g.mul(2).add(p.mul(0.01));
      const trust = p.square().sum().sqrt().div(r.square().sum().sqrt());
      return [p.sub(r.mul(trust))];
    });
    const { regions, map } = regionsOf(g, 100);
    expect(regions.length).toBeGreaterThanOrEqual(2);
    // the final update cannot share a region with r: it needs sum(r²), computed from all of r
    const out = g.outputs[0]!;
    const r = out.inputs[1]!.inputs[0]!;
    expect(map.get(out)).not.toBe(map.get(r));
  });

  it('leaves small tensors and lone ops unchunked', () => {
    const small = trace([spec('a', 10), spec('b', 10)], (a, b) => [a.add(b).mul(b)]);
    expect(regionsOf(small, 100).regions).toHaveLength(0);
    const lone = trace([spec('a'), spec('b')], (a, b) => [a.add(b)]);
    expect(regionsOf(lone, 100).regions).toHaveLength(0);
  });

  it('does not merge chains of different sizes', () => {
    const g = trace([spec('a', 200), spec('b', 300)], (a, b) => [a.mul(2).add(1), b.mul(3).add(1)]);
    const { regions } = regionsOf(g, 100);
    expect(regions.map((r) => r.size).sort()).toEqual([200, 300]);
  });

  it('a scalar-only member (computed once before the loop) stays in the region', () => {
    const g = trace([spec('a')], (a) => [a.add(Tensor.scalar(2).broadcastTo([1000]).mul(3))]);
    const { regions } = regionsOf(g, 100);
    expect(regions).toHaveLength(1);
    expect(regions[0]!.members.length).toBe(2);
  });
});
