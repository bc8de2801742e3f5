import { fail } from '@reptile/core';
import type { OnnxAttribute, OnnxNode } from '@reptile/onnx';
import type { Lifter } from './lift.ts';

/** A rule turns one ONNX node (and any nodes it looks ahead to) into layers of the lifted graph. */
export type LiftRule = (node: OnnxNode, lifter: Lifter) => void;

export function attrInt(node: OnnxNode, name: string, fallback: number): number {
  return node.attrs.get(name)?.i ?? fallback;
}

export function attrFloat(node: OnnxNode, name: string, fallback: number): number {
  return node.attrs.get(name)?.f ?? fallback;
}

export function attrInts(node: OnnxNode, name: string): readonly number[] | undefined {
  return node.attrs.get(name)?.ints;
}

export function attrString(node: OnnxNode, name: string, fallback: string): string {
  return node.attrs.get(name)?.s ?? fallback;
}

/** Refuses attributes whose non-default values have no equivalent, naming them. */
export function refuseAttrs(
  node: OnnxNode,
  lifter: Lifter,
  allowed: Readonly<Record<string, (a: OnnxAttribute) => boolean>>,
): void {
  for (const [name, attr] of node.attrs) {
    const ok = allowed[name];
    if (!ok?.(attr))
      fail(
        `attribute ${name} = ${JSON.stringify(attr.i ?? attr.f ?? attr.s ?? attr.ints ?? attr.floats)} is not supported when converting to layers`,
        {
          where: lifter.where(node),
        },
      );
  }
}
