import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReptileError } from '../core.ts';
import type { CaseResult } from '../runner.ts';
import { escapeHtml, type HtmlReportInput, renderHtmlReport, writeHtmlReport } from './html.ts';

const TOL = { rtol: 1e-5, atol: 1e-6 };
const input: HtmlReportInput = {
  cases: [
    { name: 'a<b', kind: 'loss', tolerance: TOL, description: 'has "quotes"' },
    { name: 'c', kind: 'schedule', tolerance: { rtol: 0, atol: 0.5 } },
  ],
  adapters: ['ref', 'tf'],
  results: [
    { case: 'a<b', adapter: 'ref', status: 'pass', maxAbsErr: 0, maxRelErr: 0, toleranceRatio: 0 },
    {
      case: 'a<b',
      adapter: 'tf',
      status: 'fail',
      maxAbsErr: 1,
      maxRelErr: 1,
      toleranceRatio: 50,
      reason: 'x<y',
    },
    {
      case: 'c',
      adapter: 'ref',
      status: 'skip',
      maxAbsErr: null,
      maxRelErr: null,
      reason: 'r',
      known: 'skip',
    },
  ] satisfies CaseResult[],
};

describe('renderHtmlReport', () => {
  it('draws a row per case and a cell per adapter, escaping every name and reason', () => {
    const html = renderHtmlReport(input);
    expect(html.match(/<tr data-case=/g)).toHaveLength(2);
    expect(html.match(/<td class="cell /g)).toHaveLength(4);
    expect(html).toContain('<tr data-case="a&lt;b">');
    expect(html).toContain('title="has &quot;quotes&quot;"');
    expect(html).toContain('class="cell pass band-0" data-adapter="ref"');
    expect(html).toContain('class="cell fail band-6" data-adapter="tf"');
    expect(html).toContain('class="cell skip" data-adapter="ref"');
    // The pair with no result is drawn, not dropped.
    expect(html).toContain('class="cell missing" data-adapter="tf"');
    expect(html).toContain('x&lt;y');
    expect(html).not.toMatch(/<script|https?:\/\//);
  });

  it('summarises each column', () => {
    const html = renderHtmlReport(input);
    const foot = html.slice(html.indexOf('<tfoot>'));
    expect(foot).toContain('1 pass · 0 fail · 1 skip · 0 xfail<');
    expect(foot).toContain('0 pass · 1 fail · 0 skip · 0 xfail · 1 missing<');
  });

  it('escapes the five HTML-special characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

describe('writeHtmlReport', () => {
  it('writes the page atomically, leaving no temp file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'reptile-html-'));
    writeHtmlReport(join(dir, 'r.html'), input);
    expect(readdirSync(dir)).toEqual(['r.html']);
    expect(readFileSync(join(dir, 'r.html'), 'utf8')).toBe(renderHtmlReport(input));
  });

  it('names the flag and the missing directory', () => {
    const file = join(tmpdir(), 'no-such-dir-reptile', 'r.html');
    expect(() => writeHtmlReport(file, input)).toThrow(ReptileError);
    expect(() => writeHtmlReport(file, input)).toThrow(/directory .*no-such-dir-reptile does not exist/);
  });
});
