import { extname } from 'node:path';
import { fail } from '@reptile/core';
import { type CsvOptions, readCsv } from './csv.ts';
import {
  type Dataset,
  type LabelEncoding,
  NORMALIZE_METHODS,
  type NormalizeMethod,
  type Task,
} from './dataset.ts';
import { type JsonLinesOptions, readJsonLines } from './jsonl.ts';
import { readNpy } from './npy.ts';
import { TableBuilder } from './table.ts';

/**
 * A data file's format: 'csv' (delimited text, one sample per row), 'jsonl' (JSON lines, one
 * object per line) or 'npy' (a NumPy array, one sample per leading index).
 */
export type DataFormat = 'csv' | 'jsonl' | 'npy';

/**
 * Options of `Data.fromFile`. Every field is optional and an unknown field is an error. Some
 * depend on the format: `labels` is for .npy only, and `label` is a field name for JSON lines
 * and a column index for .npy.
 */
export interface FromFileOptions {
  /** Inferred from the extension: .csv/.tsv/.txt → csv, .jsonl/.ndjson → jsonl, .npy → npy. */
  readonly format?: DataFormat;
  /** CSV only: the one-character field separator. Default ',' ('\t' for a .tsv file). */
  readonly delimiter?: string;
  /** CSV only: whether the first row names the columns; 'auto' (default) decides from its cells. */
  readonly header?: boolean | 'auto';
  /** CSV: column name or index; JSON lines: field name; .npy: column index of a 2-D array. null: no labels. */
  readonly label?: string | number | null;
  /** .npy only: a second .npy file holding the labels (one per row). */
  readonly labels?: string;
  /**
   * What the labels are. 'auto' (default): text labels or labels that are all integers ≥ 0 make
   * a classification dataset, anything else regression targets.
   */
  readonly task?: Task | 'auto';
  /** 'index' (default): int32 class indices; 'oneHot': one float row per sample. */
  readonly labelEncoding?: LabelEncoding;
  /** How the model normalises inputs, with statistics of the training data. Default 'standardize'. */
  readonly normalize?: NormalizeMethod;
  /** Per-sample feature shape, e.g. [28, 28]. */
  readonly shape?: readonly number[];
}

const OPTION_KEYS = [
  'format',
  'delimiter',
  'header',
  'label',
  'labels',
  'task',
  'labelEncoding',
  'normalize',
  'shape',
];

function formatOf(path: string, options: FromFileOptions): DataFormat {
  if (options.format) return options.format;
  const ext = extname(path).toLowerCase();
  if (ext === '.csv' || ext === '.tsv' || ext === '.txt') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext === '.npy') return 'npy';
  return fail(`cannot tell the format from the extension '${ext}'`, {
    where: path,
    hint: "pass format: 'csv', 'jsonl' or 'npy'",
  });
}

function checkOptions(options: FromFileOptions): void {
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.includes(key))
      fail(`unknown option '${key}'`, {
        where: `Data.fromFile options.${key}`,
        hint: `options: ${OPTION_KEYS.join(', ')}`,
      });
  }
  if (options.normalize !== undefined && !NORMALIZE_METHODS.includes(options.normalize))
    fail(`'${options.normalize}' is not allowed`, {
      where: 'Data.fromFile options.normalize',
      hint: `use one of ${NORMALIZE_METHODS.map((m) => `'${m}'`).join(', ')}`,
    });
}

async function readNpyDataset(path: string, options: FromFileOptions): Promise<Dataset> {
  const x = await readNpy(path);
  if (x.shape.length === 0) fail('holds a scalar, not samples', { where: path });
  const n = x.shape[0]!;
  const column = options.label;
  if (typeof column === 'number') {
    if (x.shape.length !== 2)
      fail('a label column needs a 2-D array', { where: path, hint: 'pass labels: "y.npy"' });
    const width = x.shape[1]!;
    const at = column < 0 ? width + column : column;
    if (!(at >= 0 && at < width))
      fail(`label column ${column} is outside the ${width} columns`, { where: path });
    const builder = new TableBuilder(width - 1, true);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < width; c++) {
        const v = x.data[r * width + c]!;
        if (c === at) builder.pushNumericLabel(v);
        else builder.pushFeature(v);
      }
      builder.rows++;
    }
    return builder.finish(path, options);
  }
  if (typeof column === 'string')
    fail('.npy columns have no names', { where: path, hint: 'give label as a column index' });
  const featureShape = options.shape ?? x.shape.slice(1);
  const builder = new TableBuilder(
    featureShape.reduce((a, b) => a * b, 1),
    options.labels !== undefined,
  );
  for (const v of x.data) builder.pushFeature(v);
  builder.rows = n;
  if (options.labels !== undefined) {
    const y = await readNpy(options.labels);
    if (y.shape[0] !== n || y.data.length !== n)
      fail(`holds ${y.data.length} labels of shape (${y.shape}), the features have ${n} rows`, {
        where: options.labels,
        hint: 'save one label per sample, shape (n,)',
      });
    for (const v of y.data) builder.pushNumericLabel(v);
  }
  return builder.finish(path, { ...options, shape: featureShape });
}

/** Loading data: files (streamed) and in-memory arrays. */
export const Data = {
  /**
   * Reads a CSV, JSON lines or .npy file into a Dataset. CSV: a header is detected, the label is
   * the column named 'label' or else the last column; cells must be numbers (the label may be a
   * class name). Errors name the file, line and column.
   */
  async fromFile(path: string, options: FromFileOptions = {}): Promise<Dataset> {
    checkOptions(options);
    const format = formatOf(path, options);
    if (format === 'npy') return readNpyDataset(path, options);
    if (options.labels !== undefined)
      fail('labels files are for .npy data', { where: 'Data.fromFile options.labels' });
    if (format === 'jsonl') {
      if (typeof options.label === 'number')
        fail('JSON lines labels are field names', { where: 'Data.fromFile options.label' });
      return readJsonLines(path, options as JsonLinesOptions);
    }
    const delimiter = options.delimiter ?? (extname(path).toLowerCase() === '.tsv' ? '\t' : ',');
    return readCsv(path, { ...options, delimiter } as CsvOptions);
  },

  /** A dataset from rows of numbers and optional labels (class indices or regression targets). */
  fromArrays(
    x: readonly (readonly number[])[],
    y?: readonly number[],
    options: Omit<FromFileOptions, 'format' | 'delimiter' | 'header' | 'label' | 'labels'> = {},
  ): Dataset {
    if (x.length === 0) fail('no rows', { where: 'Data.fromArrays' });
    const width = x[0]!.length;
    const builder = new TableBuilder(width, y !== undefined);
    x.forEach((row, r) => {
      if (row.length !== width)
        fail(`row ${r} has ${row.length} values, row 0 has ${width}`, { where: 'Data.fromArrays' });
      for (const v of row) builder.pushFeature(v);
      builder.rows++;
    });
    if (y) {
      if (y.length !== x.length)
        fail(`${y.length} labels for ${x.length} rows`, { where: 'Data.fromArrays' });
      for (const v of y) builder.pushNumericLabel(v);
    }
    return builder.finish('arrays', options);
  },
};
