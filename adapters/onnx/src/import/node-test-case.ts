import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ReptileError, type TypedArray } from '@reptile/core';
import { tensorType } from '../proto/schema.ts';
import { decodeProto } from './decode.ts';
import { OPS } from './ops/index.ts';
import { type HostTensor, hostTensor, ONNX_DTYPE_NAMES, type TensorProtoData } from './tensor-proto.ts';

const SUPPORTED_ELEMS = new Set([1, 6, 7, 9, 11]);

/**
 * Why a case is out of scope, or undefined when the importer should run it: every op must be
 * implemented and every tensor type (graph values, casts, constants) one the protocol holds.
 */
export function outOfScope(modelBytes: Uint8Array, source: string): string | undefined {
  let raw: ReturnType<typeof decodeProto>;
  try {
    raw = decodeProto(modelBytes, source);
  } catch (e) {
    return `model does not decode: ${(e as Error).message}`;
  }
  const graph = raw.graph ?? {};
  const dtypeReason = (code: number | undefined, what: string) =>
    code !== undefined && !SUPPORTED_ELEMS.has(code)
      ? `dtype ${ONNX_DTYPE_NAMES[code] ?? code} (${what}) is not in the tensor protocol`
      : undefined;
  for (const v of [...(graph.input ?? []), ...(graph.output ?? [])]) {
    const tt = v.type?.tensor_type;
    if (!tt) return `value '${v.name}' is not a tensor (sequence/map/optional)`;
    const r = dtypeReason(tt.elem_type, `value '${v.name}'`);
    if (r) return r;
  }
  for (const n of graph.node ?? []) {
    const op = n.op_type ?? '';
    if (n.domain && n.domain !== 'ai.onnx') {
      return n.domain.includes('training') ? `training op ${op} (${n.domain})` : `op ${n.domain}.${op}`;
    }
    if (!OPS[op]) return `unsupported op ${op}`;
    if (op === 'BatchNormalization' && n.attribute?.some((a) => a.name === 'training_mode' && a.i === 1)) {
      return 'training mode (BatchNormalization training_mode = 1 updates running statistics)';
    }
    for (const a of n.attribute ?? []) {
      if ((op === 'Cast' && a.name === 'to') || a.t !== undefined) {
        const r = dtypeReason(a.t ? a.t.data_type : a.i, `${op}.${a.name}`);
        if (r) return r;
      }
    }
  }
  return undefined;
}

/** One test_data_set_N: inputs and expected outputs in graph order. */
export interface DataSet {
  readonly name: string;
  readonly inputs: HostTensor[];
  readonly outputs: HostTensor[];
}

function readTensor(path: string): HostTensor {
  const bytes = readFileSync(path);
  let proto: TensorProtoData;
  try {
    const type = tensorType();
    proto = type.toObject(type.decode(bytes), {
      longs: Number,
      defaults: false,
      arrays: true,
    }) as TensorProtoData;
  } catch (e) {
    throw new ReptileError(`not a valid TensorProto (${(e as Error).message})`, { where: path });
  }
  return hostTensor(proto, path);
}

export function readDataSets(caseDir: string): DataSet[] {
  const sets = readdirSync(caseDir)
    .filter((d) => d.startsWith('test_data_set_'))
    .sort();
  return sets.map((name) => {
    const files = readdirSync(join(caseDir, name));
    const list = (prefix: string) =>
      files
        .filter((f) => f.startsWith(prefix) && f.endsWith('.pb'))
        .sort((a, b) => Number(a.slice(prefix.length, -3)) - Number(b.slice(prefix.length, -3)))
        .map((f) => readTensor(join(caseDir, name, f)));
    return { name, inputs: list('input_'), outputs: list('output_') };
  });
}

/** ONNX backend-test tolerances: assert_allclose(out, ref, rtol=1e-3, atol=1e-7); ints and bools exact. */
export const RTOL = 1e-3;
export const ATOL = 1e-7;

/** Describes the first mismatch between a result and the expected tensor, or undefined. */
export function mismatch(
  got: TypedArray,
  gotShape: readonly number[],
  gotDType: string,
  want: HostTensor,
): string | undefined {
  if (gotShape.length !== want.dims.length || gotShape.some((d, i) => d !== want.dims[i])) {
    return `shape [${gotShape.join(',')}], expected [${want.dims.join(',')}]`;
  }
  const float = want.elem === 'float32' || want.elem === 'float64';
  const gotFloat = gotDType === 'float32' || gotDType === 'float64';
  if (float !== gotFloat || (want.elem === 'bool') !== (gotDType === 'bool')) {
    return `dtype ${gotDType}, expected ${want.elem}`;
  }
  for (let i = 0; i < want.data.length; i++) {
    const g = Number(got[i]);
    const w = want.data[i]!;
    if (!float) {
      if (g !== w) return `element ${i}: ${g}, expected ${w}`;
      continue;
    }
    if (Number.isNaN(w) || Number.isNaN(g)) {
      if (Number.isNaN(w) && Number.isNaN(g)) continue;
      return `element ${i}: ${g}, expected ${w}`;
    }
    if (g === w) continue;
    if (!(Math.abs(g - w) <= ATOL + RTOL * Math.abs(w))) return `element ${i}: ${g}, expected ${w}`;
  }
  return undefined;
}
