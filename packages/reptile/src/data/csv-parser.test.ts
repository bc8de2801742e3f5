import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvParser, CsvSyntaxError, formatCsvRow, parseCsv } from './csv-parser.ts';

const fieldsOf = (text: string, d = ',') => parseCsv(text, d).map((r) => r.fields);

/** Parses `text` fed in the given chunk sizes (cycled). */
function chunked(text: string, sizes: number[]): string[][] {
  const p = new CsvParser();
  const rows = [];
  let at = 0;
  let k = 0;
  while (at < text.length) {
    const n = Math.max(1, sizes[k++ % sizes.length]!);
    rows.push(...p.push(text.slice(at, at + n)));
    at += n;
  }
  rows.push(...p.end());
  return rows.map((r) => r.fields);
}

describe('CsvParser', () => {
  it('splits rows and fields', () => {
    expect(fieldsOf('a,b\n1,2\n')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('handles quotes, escaped quotes, delimiters and line breaks inside quotes', () => {
    expect(fieldsOf('"a,b","say ""hi""","two\nlines"\n')).toEqual([['a,b', 'say "hi"', 'two\nlines']]);
  });

  it('treats CRLF, LF and lone CR as row ends and drops a BOM', () => {
    expect(fieldsOf('\uFEFFx,y\r\n1,2\r\n3,4\r5,6')).toEqual([
      ['x', 'y'],
      ['1', '2'],
      ['3', '4'],
      ['5', '6'],
    ]);
  });

  it('skips blank lines but keeps empty fields', () => {
    expect(fieldsOf('1,,3\n\n\n4,5,6\n')).toEqual([
      ['1', '', '3'],
      ['4', '5', '6'],
    ]);
  });

  it('reports the line and column of each row and field', () => {
    const rows = parseCsv('a,bb,c\r\n"x\ny",2,3\n4,5,6');
    expect(rows.map((r) => r.line)).toEqual([1, 2, 4]);
    expect(rows[0]!.columns).toEqual([1, 3, 6]);
    expect(rows[2]!.columns).toEqual([1, 3, 5]);
  });

  it('supports other delimiters', () => {
    expect(fieldsOf('1;2\n3;"4;5"', ';')).toEqual([
      ['1', '2'],
      ['3', '4;5'],
    ]);
    expect(fieldsOf('1\t2', '\t')).toEqual([['1', '2']]);
  });

  it('reports an unclosed quote where it opened', () => {
    try {
      parseCsv('a,b\n1,"oops\n2,3\n');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CsvSyntaxError);
      expect([(e as CsvSyntaxError).line, (e as CsvSyntaxError).column]).toEqual([2, 3]);
    }
  });

  it('rejects text after a closing quote, with its position', () => {
    expect(() => parseCsv('"a"b,c')).toThrow(/after a closing quote/);
  });

  // ---- properties -------------------------------------------------------------------------------

  const cell = fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\n', '\r', ' ', '1', '.', 'é') });
  const table = fc.array(fc.array(cell, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 8 });
  /** A row that is one empty field would format as a blank line, which the parser skips. */
  const nonBlank = (rows: string[][]) => rows.filter((r) => !(r.length === 1 && r[0] === ''));

  it('round-trips formatted tables (any fields, LF or CRLF, with or without BOM)', () => {
    fc.assert(
      fc.property(
        table,
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        fc.boolean(),
        (rows, eol, bom, trailing) => {
          const text =
            (bom ? '\uFEFF' : '') + rows.map((r) => formatCsvRow(r)).join(eol) + (trailing ? eol : '');
          expect(fieldsOf(text)).toEqual(nonBlank(rows));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('gives the same rows whatever the chunk boundaries', () => {
    fc.assert(
      fc.property(
        table,
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 5 }),
        (rows, sizes) => {
          const text = `${rows.map((r) => formatCsvRow(r)).join('\r\n')}\r\n`;
          expect(chunked(text, sizes)).toEqual(fieldsOf(text));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('row line numbers equal 1 + the line breaks before the row', () => {
    fc.assert(
      fc.property(table, fc.constantFrom('\n', '\r\n', '\r'), (rows, eol) => {
        const kept = nonBlank(rows);
        let text = '';
        const expected: number[] = [];
        for (const r of kept) {
          expected.push(1 + lineBreaks(text));
          text += formatCsvRow(r) + eol;
        }
        expect(parseCsv(text).map((r) => r.line)).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });
});

/** Line breaks in `text`, counting \r\n, \r and \n as one each. */
function lineBreaks(text: string): number {
  return (text.match(/\r\n|\r|\n/g) ?? []).length;
}
