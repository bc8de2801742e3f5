import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Tensor, trace } from '../core.ts';
import { lowerModule } from '../lower/lower.ts';
import { runPython } from '../testing/harness.ts';
import { FILE_FORMAT_VERSION, writeTorchScriptArchive } from './archive.ts';
import { crc32 } from './crc32.ts';
import { float, int, pickle } from './pickle.ts';
import { ALIGNMENT, readZip, writeZip } from './zip.ts';

const dir = mkdtempSync(join(tmpdir(), 'reptile-torch-archive-'));
const utf8 = new TextEncoder();

describe('crc32', () => {
  it('gives the standard check value for "123456789"', () => {
    expect(crc32(utf8.encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});

describe('zip writer', () => {
  const entries = [
    { name: 'a/version', data: utf8.encode('6\n') },
    { name: 'a/data/0', data: new Uint8Array(1000).map((_, i) => i % 251) },
    { name: 'a/empty', data: new Uint8Array(0) },
    { name: 'a/ünïcode.txt', data: utf8.encode('hello') },
  ];
  const bytes = writeZip(entries);

  it('round-trips through its own reader with every record 64-byte aligned', () => {
    const back = readZip(bytes);
    expect(back.map((e) => e.name)).toEqual(entries.map((e) => e.name));
    back.forEach((e, i) => {
      expect(Array.from(e.data)).toEqual(Array.from(entries[i]!.data));
      expect(e.data.byteOffset % ALIGNMENT).toBe(0);
    });
  });

  it("is read by Python's zipfile with every CRC verified", () => {
    const path = join(dir, 'plain.zip');
    writeFileSync(path, bytes);
    const out = runPython(
      `import zipfile, json\nz = zipfile.ZipFile(${JSON.stringify(path)})\nprint(json.dumps([z.testzip(), [(i.filename, i.file_size) for i in z.infolist()]]))`,
    );
    expect(JSON.parse(out)).toEqual([null, entries.map((e) => [e.name, e.data.length])]);
  });
});

describe('pickle writer', () => {
  it("writes values Python's pickle reads back exactly", () => {
    const value = pickle({
      tuple: [
        null,
        true,
        false,
        'snow ☃',
        int(7),
        int(300),
        int(70000),
        int(-5),
        int(2 ** 40),
        float(0.1),
        float(-0),
        { list: [int(1), 'x'] },
        { dict: [['k', { tuple: [] }]] },
        { tuple: [int(1), int(2), int(3), int(4)] },
      ],
    });
    const out = runPython(
      'import pickle, sys, json, math\nv = pickle.loads(sys.stdin.buffer.read())\nprint(json.dumps([repr(x) for x in v]))',
      value,
    );
    expect(JSON.parse(out)).toEqual([
      'None',
      'True',
      'False',
      "'snow ☃'",
      '7',
      '300',
      '70000',
      '-5',
      String(2 ** 40),
      '0.1',
      '-0.0',
      "[1, 'x']",
      "{'k': ()}",
      '(1, 2, 3, 4)',
    ]);
  });
});

describe('TorchScript archive', () => {
  // every dtype as both a small constant (constants.pkl) and a large one (a data.pkl buffer)
  const big = (dtype: 'float32' | 'float64' | 'int32' | 'bool') =>
    Tensor.fromData(
      Array.from({ length: 70 }, (_, i) => (dtype === 'bool' ? i % 3 === 0 : i * 1.5 - 7)).map(Number),
      [7, 10],
      dtype,
    );
  const graph = trace([{ name: 'x', shape: [7, 10], dtype: 'float64' }], (x) => ({
    f32: big('float32').cast('float64').add(x),
    f64: big('float64').mul(Tensor.fromData([2], [], 'float64')),
    i32: big('int32').add(
      Tensor.fromData([-3, 4], [2, 1], 'int32')
        .broadcastTo([2, 10])
        .pad([
          [0, 5],
          [0, 0],
        ]),
    ),
    b: big('bool').logicalAnd(Tensor.fromData([1], [], 'bool').broadcastTo([7, 10])),
  }));
  const init = trace([], () => ({ zero: Tensor.zeros([3], 'float32') }));
  const mod = lowerModule(
    [
      { name: 'forward', graph },
      { name: 'init_state', graph: init },
    ],
    { className: 'ArchiveTest' },
  );
  const bytes = writeTorchScriptArchive(mod, { metadata: { kind: 'test' } });

  it('holds the records torch expects, constants and buffers in their folders', () => {
    const names = readZip(bytes).map((e) => e.name);
    for (const n of [
      'data.pkl',
      'constants.pkl',
      'code/__torch__.py',
      'version',
      'byteorder',
      'extra/reptile.json',
    ]) {
      expect(names).toContain(`archive/${n}`);
    }
    expect(mod.buffers.length).toBe(4);
    expect(names.filter((n) => n.startsWith('archive/data/'))).toHaveLength(4);
    expect(names.filter((n) => n.startsWith('archive/constants/')).length).toBeGreaterThan(0);
    expect(new TextDecoder().decode(readZip(bytes).find((e) => e.name === 'archive/version')!.data)).toBe(
      `${FILE_FORMAT_VERSION}\n`,
    );
  });

  it('loads in stock torch.jit.load, runs, saves again and reloads', () => {
    const path = join(dir, 'test.pt');
    writeFileSync(path, bytes);
    const out = runPython(`
import torch, json, io
files = {"reptile.json": ""}
m = torch.jit.load(${JSON.stringify(path)}, _extra_files=files)
x = torch.arange(70, dtype=torch.float64).reshape(7, 10)
f32, f64, i32, b = m(x)
try:
    m(x.float())
    wrong = "accepted"
except Exception as e:
    wrong = str(e).strip().splitlines()[-1]
buf = io.BytesIO(); torch.jit.save(m, buf); buf.seek(0)
again = torch.jit.load(buf)
print(json.dumps({
  "meta": json.loads(files["reptile.json"]),
  "f32": f32[1].tolist(), "f64": f64[6].tolist(), "i32": i32[:, 0].tolist(), "b": b[0].tolist(),
  "dtypes": [str(t.dtype) for t in (f32, f64, i32, b)],
  "zero": m.init_state()[0].tolist(),
  "again": torch.equal(again(x)[0], f32),
  "buffers": sorted(n for n, _ in m.named_buffers()),
  "wrong": wrong,
}))
`);
    const r = JSON.parse(out);
    const row = (k: number) => Array.from({ length: 10 }, (_, j) => k * 10 + j);
    expect(r.f32).toEqual(row(1).map((i) => i * 1.5 - 7 + i));
    expect(r.f64).toEqual(row(6).map((i) => (i * 1.5 - 7) * 2));
    // column 0 of the int32 buffer is k·15 − 7; rows 0 and 1 get the padded −3 and 4
    expect(r.i32).toEqual([-10, 12, 23, 38, 53, 68, 83]);
    expect(r.b).toEqual(row(0).map((i) => i % 3 === 0));
    expect(r.dtypes).toEqual(['torch.float64', 'torch.float64', 'torch.int32', 'torch.bool']);
    expect(r.zero).toEqual([0, 0, 0]);
    expect(r.again).toBe(true);
    expect(r.buffers).toEqual(['k0', 'k1', 'k2', 'k3']);
    expect(r.meta.kind).toBe('test');
    expect(r.wrong).toBe(
      "builtins.ValueError: reptile: input 'x' (argument 0) must be float64[7,10] (dtype code 7), got dtype code 6 shape [7, 10]",
    );
    expect(r.meta.signature.outputs.map((o: { name: string }) => o.name)).toEqual(['f32', 'f64', 'i32', 'b']);
  });

  it('a corrupt archive is refused by torch.jit.load with an error, not a crash', () => {
    const broken = bytes.slice();
    broken.fill(0, 0, 200);
    const path = join(dir, 'broken.pt');
    writeFileSync(path, broken);
    const out = runPython(`
import torch
try:
    torch.jit.load(${JSON.stringify(path)})
    print("loaded")
except Exception as e:
    print("refused")
`);
    expect(out.trim()).toBe('refused');
  });
});
