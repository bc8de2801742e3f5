/**
 * The local allreduce's averaging loop as WebAssembly SIMD over the shared staging slots. A
 * plain JS loop over SharedArrayBuffer-backed arrays runs at several ns per element, far below
 * memory speed; these kernels keep the reduce-scatter memory-bound.
 *
 * Exactly the arithmetic of core's meanOfBuffers: values are widened to float64, summed in rank
 * order starting from rank 0's, divided by K, and (float32) rounded once, so local runs stay
 * bit-identical to the in-process simulation. The module is assembled here byte by byte (it is
 * ~200 bytes; no toolchain needed).
 *
 * Every export takes byte addresses: (base, stride, k, lo, hi, out): for every 16-byte vector at
 * offset p in [lo, hi), mean[p] = Σ_{j<k} slot_j[p] / k with slot_j at base + j·stride, stored
 * at out + p — or, for the `…ToAll` kernels, at p in every slot (out unused): a reduce-scatter
 * and all-gather in one pass over the share, for buffers every rank reads from its own slot.
 * lo and hi must be multiples of 16; the caller finishes a ragged tail itself.
 */
export type MeanKernel = (
  base: number,
  stride: number,
  k: number,
  lo: number,
  hi: number,
  out: number,
) => void;

export interface MeanKernels {
  f32: MeanKernel;
  f64: MeanKernel;
  /** The same, multiplying by 1/k: identical results when k is a power of two (and faster than dividing). */
  f32pow2: MeanKernel;
  f64pow2: MeanKernel;
  f32ToAll: MeanKernel;
  f64ToAll: MeanKernel;
  f32pow2ToAll: MeanKernel;
  f64pow2ToAll: MeanKernel;
}

// Opcodes (WebAssembly core spec; SIMD ones follow the 0xfd prefix as LEB128 u32).
const I32 = 0x7f;
const V128 = 0x7b;
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const I32_CONST = 0x41;
const I32_ADD = 0x6a;
const I32_MUL = 0x6c;
const I32_GE_U = 0x4f;
const F64_CONVERT_I32_U = 0xb8;
const BLOCK = 0x02;
const LOOP = 0x03;
const EMPTY = 0x40;
const BR = 0x0c;
const BR_IF = 0x0d;
const END = 0x0b;
const simd = (op: number): number[] => [0xfd, ...uleb(op)];
const V128_LOAD = [...simd(0x00), 4, 0]; // align 2^4, offset 0
const V128_STORE = [...simd(0x0b), 4, 0];
const F64X2_SPLAT = simd(0x14);
const F32X4_DEMOTE = simd(0x5e);
const F64X2_PROMOTE_LOW = simd(0x5f);
const F64X2_ADD = simd(0xf0);
const F64X2_DIV = simd(0xf3);
const F64X2_MUL = simd(0xf2);
const F64_CONST_ONE = [0x44, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f];
const F64_DIV = 0xa3;
/** Lanes 2,3 of a float32 vector moved to lanes 0,1 (bytes 8..15 then 0..7). */
const SWAP_HALVES = [...simd(0x0d), 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];
/** Lanes 0,1 of the first vector then lanes 0,1 of the second. */
const JOIN_LOWS = [...simd(0x0d), 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];

// Parameters 0..5 and locals.
const [BASE, STRIDE, K, LO, HI, OUT] = [0, 1, 2, 3, 4, 5];
const P = 6;
const J = 7;
const ACC_LO = 8;
const ACC_HI = 9;
const V = 10;
const KK = 11;
const get = (i: number) => [LOCAL_GET, i];
const set = (i: number) => [LOCAL_SET, i];

/** Address of slot j at offset p: base + j·stride + p. */
const slotAddress = (j: number[]) => [
  ...get(BASE),
  ...j,
  ...get(STRIDE),
  I32_MUL,
  I32_ADD,
  ...get(P),
  I32_ADD,
];

/**
 * for (i = start; i < limit; i += step) { ops }, the counter in local `i`; `start` and `limit` are
 * instructions leaving an i32, `step` a one-byte constant (< 64).
 */
const countedLoop = (i: number, start: number[], limit: number[], step: number, ops: number[]): number[] => [
  ...start,
  ...set(i),
  BLOCK,
  EMPTY,
  LOOP,
  EMPTY,
  ...get(i),
  ...limit,
  I32_GE_U,
  BR_IF,
  1,
  ...ops,
  ...get(i),
  I32_CONST,
  step,
  I32_ADD,
  ...set(i),
  BR,
  0,
  END,
  END,
];

/**
 * The shared skeleton: kk = splat(k) (or splat(1/k)); for p in [lo, hi) step 16 { first(); for
 * j in 1..k-1 add(); finish() }.
 */
function body(first: number[], add: number[], finish: number[], reciprocal: boolean): number[] {
  return [
    ...[2, ...uleb(2), I32, ...uleb(4), V128], // locals: 2 × i32, 4 × v128
    ...(reciprocal ? F64_CONST_ONE : []),
    ...get(K),
    F64_CONVERT_I32_U,
    ...(reciprocal ? [F64_DIV] : []),
    ...F64X2_SPLAT,
    ...set(KK),
    ...countedLoop(P, get(LO), get(HI), 16, [
      ...first,
      ...countedLoop(J, [I32_CONST, 1], get(K), 1, add),
      ...finish,
    ]),
    END,
  ];
}

/** Stores the vector on the stack into slot j at offset p for every j < k (uses locals V and J). */
const storeToAllSlots = [
  ...set(V),
  ...countedLoop(J, [I32_CONST, 0], get(K), 1, [...slotAddress(get(J)), ...get(V), ...V128_STORE]),
];

/** Where a kernel puts each mean vector: at out + p, or at p in every slot. */
type Target = 'out' | 'all';

/** The float32 mean vector: each float64 half-sum scaled by kk, demoted, the two joined. */
const f32Mean = (scale: number[]) => {
  const half = (acc: number) => [...get(acc), ...get(KK), ...scale, ...F32X4_DEMOTE];
  return [...half(ACC_LO), ...half(ACC_HI), ...JOIN_LOWS];
};

const f32Body = (scale: number[], reciprocal: boolean, target: Target) =>
  body(
    [
      ...slotAddress([I32_CONST, 0]),
      ...V128_LOAD,
      ...set(V),
      ...get(V),
      ...F64X2_PROMOTE_LOW,
      ...set(ACC_LO),
      ...get(V),
      ...get(V),
      ...SWAP_HALVES,
      ...F64X2_PROMOTE_LOW,
      ...set(ACC_HI),
    ],
    [
      ...slotAddress(get(J)),
      ...V128_LOAD,
      ...set(V),
      ...get(ACC_LO),
      ...get(V),
      ...F64X2_PROMOTE_LOW,
      ...F64X2_ADD,
      ...set(ACC_LO),
      ...get(ACC_HI),
      ...get(V),
      ...get(V),
      ...SWAP_HALVES,
      ...F64X2_PROMOTE_LOW,
      ...F64X2_ADD,
      ...set(ACC_HI),
    ],
    target === 'out'
      ? [...get(OUT), ...get(P), I32_ADD, ...f32Mean(scale), ...V128_STORE]
      : [...f32Mean(scale), ...storeToAllSlots],
    reciprocal,
  );

const f64Body = (scale: number[], reciprocal: boolean, target: Target) => {
  const mean = [...get(ACC_LO), ...get(KK), ...scale];
  return body(
    [...slotAddress([I32_CONST, 0]), ...V128_LOAD, ...set(ACC_LO)],
    [...get(ACC_LO), ...slotAddress(get(J)), ...V128_LOAD, ...F64X2_ADD, ...set(ACC_LO)],
    target === 'out'
      ? [...get(OUT), ...get(P), I32_ADD, ...mean, ...V128_STORE]
      : [...mean, ...storeToAllSlots],
    reciprocal,
  );
};

/** Export names and bodies, in function-index order. */
const KERNELS: readonly [keyof MeanKernels, number[]][] = (['out', 'all'] as const).flatMap((target) => {
  const suffix = target === 'all' ? 'ToAll' : '';
  return [
    [`f32${suffix}`, f32Body(F64X2_DIV, false, target)],
    [`f64${suffix}`, f64Body(F64X2_DIV, false, target)],
    [`f32pow2${suffix}`, f32Body(F64X2_MUL, true, target)],
    [`f64pow2${suffix}`, f64Body(F64X2_MUL, true, target)],
  ] as [keyof MeanKernels, number[]][];
});

/** The module: imports env.memory (shared, ≤ 4 GiB), exports the eight kernels. */
export const MEAN_KERNEL_WASM = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [I32]]), 0]])),
  ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x03, ...uleb(1), ...uleb(65536)]])),
  ...section(3, vec(KERNELS.map(() => [0]))),
  ...section(7, vec(KERNELS.map(([n], i) => [...name(n), 0x00, i]))),
  ...section(10, vec(KERNELS.map(([, b]) => [...uleb(b.length), ...b]))),
]);

/**
 * The slice of the WebAssembly JS API used here. The repo compiles without the DOM lib (where
 * TypeScript declares WebAssembly), and a global declaration would leak into every package.
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  validate(bytes: Uint8Array): boolean;
}
export const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The kernels bound to `memory`, or undefined where WebAssembly SIMD is unavailable. */
export function meanKernels(memory: WasmMemory): MeanKernels | undefined {
  if (!wasm.validate(MEAN_KERNEL_WASM)) return undefined;
  const instance = new wasm.Instance(new wasm.Module(MEAN_KERNEL_WASM), { env: { memory } });
  return instance.exports as MeanKernels;
}
