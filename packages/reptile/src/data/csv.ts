import { fail } from '@reptile/core';
import { CsvParser, type CsvRow, CsvSyntaxError } from './csv-parser.ts';
import type { Dataset } from './dataset.ts';
import { readTextChunks } from './read-text.ts';
import { parseNumber, TableBuilder, type TableOptions } from './table.ts';

export interface CsvOptions extends TableOptions {
  /** One character; ',' by default ('\t' for .tsv files). */
  readonly delimiter?: string;
  /** Whether the first row names the columns; 'auto' (default) decides from its cells. */
  readonly header?: boolean | 'auto';
  /**
   * The label column, by header name or 0-based index (negative counts from the end); null for
   * unlabelled data. Default: the column named 'label' (any case), else the last column.
   */
  readonly label?: string | number | null;
}

interface Layout {
  readonly width: number;
  readonly header: readonly string[] | undefined;
  readonly labelIndex: number | undefined;
}

/** Reads a CSV file by streaming it through the incremental parser, one chunk at a time. */
export async function readCsv(path: string, options: CsvOptions = {}): Promise<Dataset> {
  const parser = new CsvParser(options.delimiter ?? ',');
  let layout: Layout | undefined;
  let builder: TableBuilder | undefined;
  const handle = (row: CsvRow) => {
    if (row.fields.length === 1 && row.fields[0]!.trim() === '') return; // whitespace-only line
    if (!layout) {
      layout = decideLayout(row, path, options);
      builder = new TableBuilder(
        layout.width - (layout.labelIndex === undefined ? 0 : 1),
        layout.labelIndex !== undefined,
      );
      if (layout.header) return;
    }
    addRow(row, layout, builder!, path);
  };
  try {
    for await (const chunk of readTextChunks(path)) for (const row of parser.push(chunk)) handle(row);
    for (const row of parser.end()) handle(row);
  } catch (error) {
    if (error instanceof CsvSyntaxError)
      fail(error.message, { where: `${path}:${error.line}:${error.column}` });
    throw error;
  }
  if (!layout) fail('is empty', { where: path, hint: 'the file has no rows; write a header and data rows' });
  return builder!.finish(
    path,
    options,
    layout.header?.filter((_, i) => i !== layout!.labelIndex),
  );
}

function isNumeric(cell: string): boolean {
  const t = cell.trim();
  return t !== '' && !Number.isNaN(Number(t));
}

function decideLayout(first: CsvRow, path: string, options: CsvOptions): Layout {
  const width = first.fields.length;
  const textCells = first.fields.filter((f) => !isNumeric(f)).length;
  // A data row has at most one text cell (a class name); a header names every column.
  const hasHeader =
    options.header === undefined || options.header === 'auto'
      ? textCells >= Math.min(2, width)
      : options.header;
  const header = hasHeader ? first.fields.map((f) => f.trim()) : undefined;
  const where = `${path}:${first.line}`;
  let labelIndex: number | undefined;
  const label = options.label;
  if (label === null) labelIndex = undefined;
  else if (typeof label === 'number') {
    if (!Number.isInteger(label) || label >= width || label < -width)
      fail(`label column index ${label} is outside the ${width} columns`, {
        where,
        hint: `use 0..${width - 1} or −1 for the last`,
      });
    labelIndex = label < 0 ? width + label : label;
  } else if (typeof label === 'string') {
    if (!header)
      fail(`missing label column '${label}': the file has no header row`, {
        where,
        hint: 'give the label column by index (label: 0) or add a header row',
      });
    labelIndex = header.indexOf(label);
    if (labelIndex < 0)
      fail(`missing label column '${label}'`, {
        where,
        hint: `the columns are ${header.map((h) => `'${h}'`).join(', ')}`,
      });
  } else {
    const named = header?.findIndex((h) => h.toLowerCase() === 'label') ?? -1;
    labelIndex = named >= 0 ? named : width - 1;
  }
  if (labelIndex !== undefined && width < 2)
    fail('has one column, so no features besides the label', { where, hint: 'check the delimiter option' });
  return { width, header, labelIndex };
}

function addRow(row: CsvRow, layout: Layout, builder: TableBuilder, path: string): void {
  const { fields, columns, line } = row;
  if (fields.length !== layout.width) {
    const column =
      fields.length > layout.width
        ? columns[layout.width]!
        : columns[fields.length - 1]! + fields[fields.length - 1]!.length;
    fail(
      `row has ${fields.length} fields, expected ${layout.width} (as in the ${layout.header ? 'header' : 'first row'})`,
      {
        where: `${path}:${line}:${column}`,
        hint: 'every row needs the same number of fields; quote fields that contain the delimiter',
      },
    );
  }
  for (let i = 0; i < fields.length; i++) {
    const where = `${path}:${line}:${columns[i]}`;
    if (i === layout.labelIndex) builder.pushLabel(fields[i]!, where);
    else
      builder.pushFeature(
        parseNumber(fields[i]!, where, layout.header ? `'${layout.header[i]}'` : String(i + 1)),
      );
  }
  builder.rows++;
}
