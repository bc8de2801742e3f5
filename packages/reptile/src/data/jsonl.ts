import { fail } from '@reptile/core';
import type { Dataset } from './dataset.ts';
import { readLines } from './read-text.ts';
import { TableBuilder, type TableOptions } from './table.ts';

export interface JsonLinesOptions extends TableOptions {
  /** The label field; null for unlabelled data. Default: 'label' when present, else the last field. */
  readonly label?: string | null;
}

/**
 * Reads JSON lines: one object per line, e.g. {"pixels": [0, 0.5, ...], "label": 3} or
 * {"x1": 0.2, "x2": 1.5, "y": 0}. Features are the other fields in the first line's order;
 * array fields are flattened. Streamed line by line.
 */
export async function readJsonLines(path: string, options: JsonLinesOptions = {}): Promise<Dataset> {
  let keys: string[] | undefined;
  let labelKey: string | undefined;
  let widths: number[] = [];
  let builder: TableBuilder | undefined;
  let names: string[] = [];
  for await (const [text, line] of readLines(path)) {
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      const position = /position (\d+)/.exec((error as Error).message)?.[1];
      fail(`is not valid JSON (${(error as Error).message})`, {
        where: `${path}:${line}${position === undefined ? '' : `:${Number(position) + 1}`}`,
      });
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      fail('expected one JSON object per line', { where: `${path}:${line}:1` });
    const obj = value as Record<string, unknown>;
    if (!keys) {
      const all = Object.keys(obj);
      if (options.label === null) labelKey = undefined;
      else if (typeof options.label === 'string') {
        if (!all.includes(options.label))
          fail(`missing label field '${options.label}'`, {
            where: `${path}:${line}`,
            hint: `the fields are ${all.map((k) => `'${k}'`).join(', ')}`,
          });
        labelKey = options.label;
      } else labelKey = all.includes('label') ? 'label' : all[all.length - 1];
      keys = all.filter((k) => k !== labelKey);
      widths = keys.map((k) => flatLength(obj[k], `${path}:${line}`, k));
      names = keys.flatMap((k, i) =>
        widths[i] === 1 ? [k] : Array.from({ length: widths[i]! }, (_, j) => `${k}[${j}]`),
      );
      builder = new TableBuilder(
        widths.reduce((a, b) => a + b, 0),
        labelKey !== undefined,
      );
    }
    const expected = labelKey === undefined ? keys.length : keys.length + 1;
    const present = Object.keys(obj);
    const missing = [...keys, ...(labelKey ? [labelKey] : [])].find((k) => !(k in obj));
    if (missing !== undefined || present.length !== expected) {
      fail(
        missing !== undefined
          ? `missing field '${missing}'`
          : `has ${present.length} fields, expected ${expected}`,
        {
          where: `${path}:${line}`,
          hint: 'every line needs the same fields as the first',
        },
      );
    }
    keys.forEach((k, i) => {
      const before = builder!;
      const n = pushFlat(obj[k], before, `${path}:${line}`, k);
      if (n !== widths[i])
        fail(`field '${k}' has ${n} values, the first line had ${widths[i]}`, { where: `${path}:${line}` });
    });
    if (labelKey !== undefined) {
      const v = obj[labelKey];
      if (typeof v === 'number') builder!.pushNumericLabel(v);
      else if (typeof v === 'string') builder!.pushLabel(v, `${path}:${line}`);
      else fail(`label field '${labelKey}' must be a number or a string`, { where: `${path}:${line}` });
    }
    builder!.rows++;
  }
  if (!builder) fail('is empty', { where: path, hint: 'write one JSON object per line' });
  return builder.finish(path, options, names);
}

function flatLength(v: unknown, where: string, key: string): number {
  if (typeof v === 'number') return 1;
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + flatLength(x, where, key), 0);
  return fail(`field '${key}' must be a number or an array of numbers`, { where });
}

function pushFlat(v: unknown, builder: TableBuilder, where: string, key: string): number {
  if (typeof v === 'number') {
    builder.pushFeature(v);
    return 1;
  }
  if (v === null) fail(`field '${key}' holds null`, { where, hint: 'fill missing values before loading' });
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + pushFlat(x, builder, where, key), 0);
  return fail(`field '${key}' must be a number or an array of numbers`, { where });
}
