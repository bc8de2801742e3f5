import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Data } from './data.ts';
import { encodeNpy } from './npy.ts';

const dir = mkdtempSync(join(tmpdir(), 'reptile-data-'));
let counter = 0;
function file(text: string | Uint8Array, ext = 'csv'): string {
  const path = join(dir, `f${counter++}.${ext}`);
  writeFileSync(path, text);
  return path;
}

describe('Data.fromFile (CSV)', () => {
  it('detects a header and takes the column named label, wherever it is', async () => {
    const d = await Data.fromFile(file('label,a,b\n1,0.5,2\n0,1.5,-3\n'));
    expect(d.size).toBe(2);
    expect(d.featureNames).toEqual(['a', 'b']);
    expect(Array.from(d.features)).toEqual([0.5, 2, 1.5, -3]);
    expect(Array.from(d.labels!)).toEqual([1, 0]);
    expect(d.task).toBe('classification');
    expect(d.classes).toBe(2);
  });

  it('without a header, the label is the last column', async () => {
    const d = await Data.fromFile(file('0.5,2,1\n1.5,-3,0\n'));
    expect(d.featureNames).toBeUndefined();
    expect(Array.from(d.features)).toEqual([0.5, 2, 1.5, -3]);
    expect(Array.from(d.labels!)).toEqual([1, 0]);
  });

  it('takes the label by name or index, with a delimiter option', async () => {
    const path = file('x;y;target\n1;2;3.5\n4;5;6.25\n');
    const byName = await Data.fromFile(path, { delimiter: ';', label: 'target' });
    expect(byName.task).toBe('regression');
    expect(Array.from(byName.labels!)).toEqual([3.5, 6.25]);
    const byIndex = await Data.fromFile(path, { delimiter: ';', label: 0 });
    expect(Array.from(byIndex.labels!)).toEqual([1, 4]);
    const none = await Data.fromFile(path, { delimiter: ';', label: null });
    expect(none.labels).toBeUndefined();
    expect(none.featureSize).toBe(3);
  });

  it('maps text labels to classes in sorted order', async () => {
    const d = await Data.fromFile(file('w,species\n1,setosa\n2,virginica\n3,setosa\n'));
    expect(d.classNames).toEqual(['setosa', 'virginica']);
    expect(Array.from(d.labels!)).toEqual([0, 1, 0]);
  });

  it('handles a BOM, CRLF line ends and quoted numbers', async () => {
    const d = await Data.fromFile(file('\uFEFFlabel,"a"\r\n1,"2.5"\r\n0,3\r\n'));
    expect(d.featureNames).toEqual(['a']);
    expect(Array.from(d.features)).toEqual([2.5, 3]);
  });

  it('reads .tsv with tabs', async () => {
    const d = await Data.fromFile(file('a\tb\tlabel\n1\t2\t0\n', 'tsv'));
    expect(Array.from(d.features)).toEqual([1, 2]);
  });

  it('streams a file larger than one read chunk, with multi-byte text across chunk ends', async () => {
    const rows = 60_000;
    const lines = ['é_feature,ü_other,label'];
    for (let i = 0; i < rows; i++) lines.push(`${i % 97},${(i * 7) % 13},${i % 3}`);
    const d = await Data.fromFile(file(`${lines.join('\n')}\n`));
    expect(d.size).toBe(rows);
    expect(d.features[2 * 59_999]).toBe(59_999 % 97);
    expect(d.labels![59_999]).toBe(59_999 % 3);
    expect(d.featureNames).toEqual(['é_feature', 'ü_other']);
  });

  it('reports a ragged row with file, line and column', async () => {
    const path = file('a,b,label\n1,2,0\n1,2,0,9\n');
    await expect(Data.fromFile(path)).rejects.toThrow(
      `${path}:3:7: row has 4 fields, expected 3 (as in the header)`,
    );
    const short = file('a,b,label\n1,2\n');
    await expect(Data.fromFile(short)).rejects.toThrow(`${short}:2:4: row has 2 fields, expected 3`);
  });

  it('reports a non-numeric cell with its column name and position', async () => {
    const path = file('a,b,label\n1,2,0\n1,x2,1\n');
    await expect(Data.fromFile(path)).rejects.toThrow(`${path}:3:3: 'x2' in column 'b' is not a number`);
    const empty = file('a,b,label\n1,,0\n');
    await expect(Data.fromFile(empty)).rejects.toThrow(`${empty}:2:3: empty cell in column 'b'`);
  });

  it('reports a missing label column, listing the columns', async () => {
    const path = file('a,b,c\n1,2,3\n');
    await expect(Data.fromFile(path, { label: 'label' })).rejects.toThrow(
      `${path}:1: missing label column 'label' — the columns are 'a', 'b', 'c'`,
    );
  });

  it('reports an empty file and a header without rows', async () => {
    const empty = file('');
    await expect(Data.fromFile(empty)).rejects.toThrow(`${empty}: is empty`);
    const blank = file('\uFEFF\r\n\r\n');
    await expect(Data.fromFile(blank)).rejects.toThrow(`${blank}: is empty`);
    const header = file('a,label\n');
    await expect(Data.fromFile(header)).rejects.toThrow(`${header}: has no data rows`);
  });

  it('reports an unclosed quote where it opened', async () => {
    const path = file('a,label\n"1,0\n');
    await expect(Data.fromFile(path)).rejects.toThrow(`${path}:2:1: a quoted field is never closed`);
  });

  it('reports a missing file and an unknown option', async () => {
    await expect(Data.fromFile(join(dir, 'nope.csv'))).rejects.toThrow(/nope.csv: no such file/);
    await expect(Data.fromFile(file('a,label\n1,0\n'), { lable: 'x' } as never)).rejects.toThrow(
      /unknown option 'lable'/,
    );
  });
});

describe('Data.fromFile (JSON lines and .npy)', () => {
  it('reads objects with array and scalar fields', async () => {
    const d = await Data.fromFile(
      file('{"pixels":[1,2],"bias":3,"label":1}\n\n{"pixels":[4,5],"bias":6,"label":0}\n', 'jsonl'),
    );
    expect(Array.from(d.features)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(d.featureNames).toEqual(['pixels[0]', 'pixels[1]', 'bias']);
    expect(Array.from(d.labels!)).toEqual([1, 0]);
  });

  it('reports bad JSON and missing fields by line', async () => {
    const bad = file('{"a":1,"label":0}\n{"a":,"label":0}\n', 'jsonl');
    await expect(Data.fromFile(bad)).rejects.toThrow(new RegExp(`${bad}:2(:\\d+)?: is not valid JSON`));
    const missing = file('{"a":1,"label":0}\n{"b":1,"label":0}\n', 'jsonl');
    await expect(Data.fromFile(missing)).rejects.toThrow(`${missing}:2: missing field 'a'`);
  });

  it('reads .npy features with a labels file', async () => {
    const x = file(encodeNpy(Float32Array.of(1, 2, 3, 4, 5, 6), [3, 2]), 'npy');
    const y = file(encodeNpy(Int32Array.of(2, 0, 1), [3]), 'npy');
    const d = await Data.fromFile(x, { labels: y });
    expect(d.size).toBe(3);
    expect(d.featureShape).toEqual([2]);
    expect(Array.from(d.labels!)).toEqual([2, 0, 1]);
    expect(d.classes).toBe(3);
    const noLabels = await Data.fromFile(x);
    expect(noLabels.labels).toBeUndefined();
    const column = await Data.fromFile(x, { label: -1 });
    expect(Array.from(column.labels!)).toEqual([2, 4, 6]);
  });

  it('refuses truncated and foreign .npy files', async () => {
    const bytes = encodeNpy(Float32Array.of(1, 2, 3, 4), [2, 2]);
    const cut = file(bytes.subarray(0, bytes.length - 3), 'npy');
    await expect(Data.fromFile(cut)).rejects.toThrow(/is truncated/);
    const foreign = file('not numpy', 'npy');
    await expect(Data.fromFile(foreign)).rejects.toThrow(/bad magic bytes/);
  });
});

describe('Dataset', () => {
  const d = Data.fromArrays(
    Array.from({ length: 100 }, (_, i) => [i, -i]),
    Array.from({ length: 100 }, (_, i) => (i < 80 ? 0 : 1)),
  );

  it('shuffles deterministically by seed, keeping rows and labels together', () => {
    const a = d.shuffle(3);
    expect(Array.from(a.features)).toEqual(Array.from(d.shuffle(3).features));
    expect(Array.from(a.features)).not.toEqual(Array.from(d.features));
    for (let r = 0; r < a.size; r++) {
      expect(a.features[2 * r + 1]).toBe(-a.features[2 * r]!);
      expect(a.labels![r]).toBe(a.features[2 * r]! < 80 ? 0 : 1);
    }
  });

  it('splits with stratification: each class keeps its share', () => {
    const { train, validation } = d.split(0.25, { seed: 1 });
    expect(validation.size).toBe(25);
    expect(train.size).toBe(75);
    expect(Array.from(validation.labels!).filter((c) => c === 1)).toHaveLength(5);
    const seen = new Set(
      [...Array.from(train.features), ...Array.from(validation.features)].filter((v) => v >= 0),
    );
    expect(seen.size).toBe(100);
  });

  it('batches with a remainder, and one-hot labels on request', () => {
    const sizes = [...d.batches(32)].map((b) => b.size);
    expect(sizes).toEqual([32, 32, 32, 4]);
    expect([...d.batches(32, { dropRemainder: true })]).toHaveLength(3);
    const b = d.withLabelEncoding('oneHot').batch([0, 99]);
    expect(b.yShape).toEqual([2, 2]);
    expect(Array.from(b.y!)).toEqual([1, 0, 0, 1]);
    expect(b.xShape).toEqual([2, 2]);
  });
});
