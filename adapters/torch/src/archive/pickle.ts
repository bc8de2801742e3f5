/**
 * A minimal pickle (protocol 2) writer: exactly the value kinds a TorchScript archive holds —
 * the module object with its attribute dict, tensors rebuilt by `torch._utils._rebuild_tensor_v2`
 * from persistent-id storages, tuples, lists, strings, ints, floats, bools and None. torch's C++
 * unpickler (not Python's) reads these files, so only opcodes it implements are emitted.
 */
export type PickleValue =
  | null
  | boolean
  | string
  | { readonly int: number }
  | { readonly float: number }
  | { readonly tuple: readonly PickleValue[] }
  | { readonly list: readonly PickleValue[] }
  | { readonly dict: readonly (readonly [PickleValue, PickleValue])[] }
  /** A module-level name, e.g. ('torch._utils', '_rebuild_tensor_v2'). */
  | { readonly global: readonly [string, string] }
  /** callable(*args) */
  | { readonly reduce: PickleValue; readonly args: readonly PickleValue[] }
  /** cls.__new__(cls) with its __dict__ set to `state` (NEWOBJ + BUILD). */
  | { readonly object: readonly [string, string]; readonly state: PickleValue }
  /** A persistent id: the unpickler resolves it (torch: a storage record). */
  | { readonly persid: PickleValue };

const OP = {
  PROTO: 0x80,
  STOP: 0x2e,
  MARK: 0x28,
  NONE: 0x4e,
  NEWTRUE: 0x88,
  NEWFALSE: 0x89,
  BININT: 0x4a,
  BININT1: 0x4b,
  BININT2: 0x4d,
  LONG1: 0x8a,
  BINFLOAT: 0x47,
  BINUNICODE: 0x58,
  EMPTY_TUPLE: 0x29,
  TUPLE: 0x74,
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  TUPLE3: 0x87,
  EMPTY_LIST: 0x5d,
  APPENDS: 0x65,
  EMPTY_DICT: 0x7d,
  SETITEMS: 0x75,
  GLOBAL: 0x63,
  REDUCE: 0x52,
  NEWOBJ: 0x81,
  BUILD: 0x62,
  BINPERSID: 0x51,
} as const;

class ByteSink {
  private buf = new Uint8Array(256);
  private len = 0;
  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  view(n: number): DataView {
    this.ensure(n);
    const v = new DataView(this.buf.buffer, this.len, n);
    this.len += n;
    return v;
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

const utf8 = new TextEncoder();

export function pickle(value: PickleValue): Uint8Array {
  const out = new ByteSink();
  out.byte(OP.PROTO);
  out.byte(2);
  write(out, value);
  out.byte(OP.STOP);
  return out.result();
}

function write(out: ByteSink, v: PickleValue): void {
  if (v === null) out.byte(OP.NONE);
  else if (typeof v === 'boolean') out.byte(v ? OP.NEWTRUE : OP.NEWFALSE);
  else if (typeof v === 'string') {
    const b = utf8.encode(v);
    out.byte(OP.BINUNICODE);
    out.view(4).setUint32(0, b.length, true);
    out.bytes(b);
  } else if ('int' in v) writeInt(out, v.int);
  else if ('float' in v) {
    out.byte(OP.BINFLOAT);
    out.view(8).setFloat64(0, v.float, false); // BINFLOAT is big-endian
  } else if ('tuple' in v) writeTuple(out, v.tuple);
  else if ('list' in v) {
    out.byte(OP.EMPTY_LIST);
    if (v.list.length > 0) {
      out.byte(OP.MARK);
      for (const x of v.list) write(out, x);
      out.byte(OP.APPENDS);
    }
  } else if ('dict' in v) {
    out.byte(OP.EMPTY_DICT);
    if (v.dict.length > 0) {
      out.byte(OP.MARK);
      for (const [k, x] of v.dict) {
        write(out, k);
        write(out, x);
      }
      out.byte(OP.SETITEMS);
    }
  } else if ('global' in v) writeGlobal(out, v.global);
  else if ('reduce' in v) {
    write(out, v.reduce);
    writeTuple(out, v.args);
    out.byte(OP.REDUCE);
  } else if ('object' in v) {
    writeGlobal(out, v.object);
    out.byte(OP.EMPTY_TUPLE);
    out.byte(OP.NEWOBJ);
    write(out, v.state);
    out.byte(OP.BUILD);
  } else {
    write(out, v.persid);
    out.byte(OP.BINPERSID);
  }
}

function writeInt(out: ByteSink, n: number): void {
  if (!Number.isSafeInteger(n)) throw new Error(`pickle: ${n} is not a safe integer`);
  if (n >= 0 && n < 0x100) {
    out.byte(OP.BININT1);
    out.byte(n);
  } else if (n >= 0 && n < 0x10000) {
    out.byte(OP.BININT2);
    out.view(2).setUint16(0, n, true);
  } else if (n >= -0x80000000 && n <= 0x7fffffff) {
    out.byte(OP.BININT);
    out.view(4).setInt32(0, n, true);
  } else {
    // LONG1: little-endian two's complement, 8 bytes covers every safe integer
    out.byte(OP.LONG1);
    out.byte(8);
    out.view(8).setBigInt64(0, BigInt(n), true);
  }
}

function writeTuple(out: ByteSink, items: readonly PickleValue[]): void {
  if (items.length === 0) {
    out.byte(OP.EMPTY_TUPLE);
  } else if (items.length <= 3) {
    for (const x of items) write(out, x);
    out.byte([OP.TUPLE1, OP.TUPLE2, OP.TUPLE3][items.length - 1]!);
  } else {
    out.byte(OP.MARK);
    for (const x of items) write(out, x);
    out.byte(OP.TUPLE);
  }
}

function writeGlobal(out: ByteSink, [module, name]: readonly [string, string]): void {
  out.byte(OP.GLOBAL);
  out.bytes(utf8.encode(`${module}\n${name}\n`));
}

export const int = (n: number): PickleValue => ({ int: n });
export const float = (x: number): PickleValue => ({ float: x });
export const tuple = (...items: PickleValue[]): PickleValue => ({ tuple: items });
