import { existsSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Case } from '../case.ts';
import { fail } from '../core.ts';
import type { CaseResult } from '../runner.ts';
import { BANDS, buildCell, CELL_STATUSES, type Cell, type CellStatus } from './cell.ts';

/** What the HTML report needs: the cases (for names and tolerances), the columns and the results. */
export interface HtmlReportInput {
  readonly cases: readonly Pick<Case, 'name' | 'kind' | 'tolerance' | 'description'>[];
  readonly adapters: readonly string[];
  readonly results: readonly CaseResult[];
  readonly title?: string;
  /** Shown under the title; an ISO time is a good choice. */
  readonly subtitle?: string;
  /** The plain-text report (details, notes, summary), shown in a collapsible block. */
  readonly text?: string;
}

/**
 * Colours by status then band (cell.ts): greens darken towards an exact match, reds darken with
 * the size of the miss, so both "which frontends fail" and "how close are the passes" read at a
 * glance. Dark fills get white text for contrast.
 */
const FILL: Record<CellStatus, readonly (readonly [band: number | 'any', bg: string, fg: string])[]> = {
  pass: [
    [0, '#0b6e2e', '#fff'],
    [1, '#1f8f3f', '#fff'],
    [2, '#3fb25a', '#fff'],
    [3, '#9ad694', '#0b2e13'],
    [4, '#dcf2ae', '#0b2e13'],
  ],
  fail: [
    [5, '#ffb4a8', '#4a0a00'],
    [6, '#e5533c', '#fff'],
    [7, '#8c0b1f', '#fff'],
  ],
  xfail: [['any', '#e7b416', '#3b2a00']],
  skip: [['any', '#d3d7dc', '#333']],
  missing: [['any', '#ffffff', '#888']],
};

const STATUS_LABEL: Record<CellStatus, string> = {
  pass: 'pass',
  fail: 'fail',
  skip: 'skip (not run)',
  xfail: 'expected failure (known list)',
  missing: 'no result',
};

function css(): string {
  const rules = CELL_STATUSES.flatMap((s) =>
    FILL[s].map(([band, bg, fg]) => {
      const sel = band === 'any' ? `.cell.${s}` : `.cell.${s}.band-${band}`;
      return `${sel}{background:${bg};color:${fg}}`;
    }),
  );
  return [
    'body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1f2328}',
    'h1{font-size:20px;margin:0 0 4px}',
    '.sub{color:#57606a;margin:0 0 16px}',
    'table{border-collapse:collapse}',
    'th,td{border:1px solid #d0d7de;padding:4px 8px}',
    'thead th{background:#f6f8fa;position:sticky;top:0}',
    'th.case{text-align:left;font-weight:normal;font-family:ui-monospace,monospace;white-space:nowrap}',
    'th.case .kind,td.tol{color:#57606a;font-size:12px}',
    'td.cell{text-align:center;min-width:72px;font-variant-numeric:tabular-nums;cursor:help}',
    '.cell.missing{border-style:dashed}',
    'tfoot td{font-size:12px;vertical-align:top;background:#f6f8fa}',
    '.bar{display:flex;height:8px;margin-top:4px;border:1px solid #d0d7de}',
    '.legend{display:flex;flex-wrap:wrap;gap:6px 16px;margin:16px 0;padding:0;list-style:none}',
    '.legend .cell{display:inline-block;width:18px;height:14px;border:1px solid #d0d7de;vertical-align:middle;margin-right:4px}',
    'pre{background:#f6f8fa;padding:8px;overflow:auto}',
    ...rules,
  ].join('\n');
}

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(s: string): string {
  return s
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

function cellHtml(c: Cell, adapter: string): string {
  const band = c.band === undefined ? '' : ` band-${c.band}`;
  return (
    `<td class="cell ${c.status}${band}" data-adapter="${escapeHtml(adapter)}" data-status="${c.status}"` +
    ` title="${escapeHtml(c.title)}">${escapeHtml(c.text)}</td>`
  );
}

function summaryHtml(cells: readonly Cell[]): string {
  const counts = CELL_STATUSES.map((s) => [s, cells.filter((c) => c.status === s).length] as const);
  const shown = counts.filter(([s, n]) => n > 0 || s !== 'missing');
  const text = shown.map(([s, n]) => `${n} ${s}`).join(' · ');
  const total = cells.length || 1;
  const bar = counts
    .filter(([, n]) => n > 0)
    .map(([s, n]) => {
      // The bar shows shares by status only, so pass and fail take one mid shade each.
      const [band] = FILL[s][0]!;
      const cls = band === 'any' ? s : `${s} band-${s === 'pass' ? 2 : 6}`;
      return `<span class="cell ${cls}" style="flex:${n / total}"></span>`;
    })
    .join('');
  return `${escapeHtml(text)}<div class="bar" aria-hidden="true">${bar}</div>`;
}

function legendHtml(): string {
  const items: string[] = [];
  for (const s of CELL_STATUSES) {
    for (const [band] of FILL[s]) {
      const label = band === 'any' ? STATUS_LABEL[s] : `${STATUS_LABEL[s]}, ${BANDS[band]!.label}`;
      const cls = band === 'any' ? s : `${s} band-${band}`;
      items.push(`<li><span class="cell ${cls}"></span>${escapeHtml(label)}</li>`);
    }
  }
  return (
    '<ul class="legend" id="legend">' +
    items.join('') +
    '</ul><p class="sub">r = max |got − expected| / (atol + rtol·|expected|) over every value of the case: ' +
    'a case passes when r ≤ 1. Hover a cell for its errors, tolerance and any skip or failure reason.</p>'
  );
}

function formatTolerance(x: number): string {
  return x !== 0 && Math.abs(x) < 1e-3 ? x.toExponential() : String(x);
}

/** A standalone page (inline CSS, no scripts, no network) drawing the cases × adapters matrix. */
export function renderHtmlReport(input: HtmlReportInput): string {
  const byKey = new Map(input.results.map((r) => [`${r.adapter}\u0000${r.case}`, r]));
  const columns = input.adapters.map((): Cell[] => []);
  const rows = input.cases.map((c) => {
    const cells = input.adapters.map((a, j) => {
      const cell = buildCell(byKey.get(`${a}\u0000${c.name}`), c.tolerance, `${c.name} × ${a}`);
      columns[j]!.push(cell);
      return cellHtml(cell, a);
    });
    const desc = c.description ? ` title="${escapeHtml(c.description)}"` : '';
    return (
      `<tr data-case="${escapeHtml(c.name)}"><th class="case" scope="row"${desc}>${escapeHtml(c.name)} ` +
      `<span class="kind">${c.kind}</span></th><td class="tol">rtol ${formatTolerance(c.tolerance.rtol)}<br>atol ${formatTolerance(c.tolerance.atol)}</td>` +
      `${cells.join('')}</tr>`
    );
  });
  const title = input.title ?? 'Reptile conformance report';
  const head = input.adapters
    .map((a) => `<th scope="col" data-adapter="${escapeHtml(a)}">${escapeHtml(a)}</th>`)
    .join('');
  const foot = columns.map(
    (cells, j) => `<td data-adapter="${escapeHtml(input.adapters[j]!)}">${summaryHtml(cells)}</td>`,
  );
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>\n${css()}\n</style></head><body>`,
    `<h1>${escapeHtml(title)}</h1>`,
    `<p class="sub">${input.cases.length} cases × ${input.adapters.length} adapter(s)${input.subtitle ? ` · ${escapeHtml(input.subtitle)}` : ''}</p>`,
    legendHtml(),
    '<table id="matrix">',
    `<thead><tr><th scope="col">case</th><th scope="col">tolerance</th>${head}</tr></thead>`,
    `<tbody>\n${rows.join('\n')}\n</tbody>`,
    `<tfoot><tr><th scope="row">summary</th><td></td>${foot.join('')}</tr></tfoot>`,
    '</table>',
    input.text ? `<details><summary>text report</summary><pre>${escapeHtml(input.text)}</pre></details>` : '',
    '</body></html>',
    '',
  ].join('\n');
}

/** Renders and writes the report via a temp file + rename, so no reader sees half a page. */
export function writeHtmlReport(file: string, input: HtmlReportInput): void {
  const dir = dirname(file);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    fail(`cannot write the HTML report: directory ${dir} does not exist`, {
      where: '--html',
      hint: 'create the directory first or choose another path',
    });
  }
  const tmp = join(dir, `.${basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, renderHtmlReport(input));
  renameSync(tmp, file);
}
