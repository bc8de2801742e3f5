import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { runConformance } from '../run.ts';
import type { CaseResult } from '../runner.ts';
import { cellStatus } from './cell.ts';
import { writeHtmlReport } from './html.ts';

/** Debian's Chromium; playwright-core drives it and never downloads a browser itself. */
const CHROMIUM = process.env.REPTILE_CHROMIUM ?? '/usr/bin/chromium';
const CASES = join(dirname(fileURLToPath(import.meta.url)), '../../cases');

/**
 * A small real run covering all four statuses: real cases pass on both columns, adam-float64 is
 * skipped by tfjs (no float64), and a copy of the SGD case with a wrong expectation fails on the
 * reference while tfjs-cpu's known list marks it as an expected failure.
 */
async function smallRun(dir: string) {
  const sgd = JSON.parse(readFileSync(join(CASES, 'optimizers/sgd-momentum.json'), 'utf8'));
  const first = sgd.expected[0][0];
  first.data = first.data.map((x: number) => x + 1);
  sgd.name = 'sgd-momentum-wrong';
  mkdirSync(join(dir, 'known'));
  writeFileSync(join(dir, 'sgd-momentum-wrong.json'), JSON.stringify(sgd));
  writeFileSync(
    join(dir, 'known', 'tfjs-cpu.json'),
    JSON.stringify({ skip: [], xfail: [{ case: 'sgd-momentum-wrong', reason: 'the test breaks it' }] }),
  );
  const files = ['optimizers/adam-default.json', 'optimizers/adam-float64.json', 'losses/bce-mean.json'];
  return runConformance({
    cases: [
      ...files.map((f) => join(CASES, f)),
      join(dir, 'sgd-momentum-wrong.json'),
      join(CASES, 'schedules/constant.json'),
    ],
    adapters: ['reference', 'tfjs-cpu'],
    knownDir: join(dir, 'known'),
  });
}

/*
 * Browser-side code is passed as source text: the repo's tsconfig has no DOM library, and this
 * keeps DOM globals out of every Node file's types.
 */
const CELLS = `[...document.querySelectorAll('#matrix tbody td.cell')].map((td) => ({
  case: td.parentElement.getAttribute('data-case'),
  adapter: td.getAttribute('data-adapter'),
  className: td.className,
  background: getComputedStyle(td).backgroundColor,
}))`;

/** Share of pixels of an image that are clearly coloured (channel spread > 40), decoded by the browser. */
const colouredShare = (src: string) => `(async () => {
  const img = new Image();
  img.src = ${JSON.stringify(src)};
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = img.width;
  canvas.height = img.height;
  const ctx = canvas.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const { data } = ctx.getImageData(0, 0, img.width, img.height);
  let n = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (Math.max(data[i], data[i + 1], data[i + 2]) - Math.min(data[i], data[i + 1], data[i + 2]) > 40) n++;
  }
  return n / (data.length / 4);
})()`;

describe('the HTML conformance report in headless Chromium', () => {
  it('draws one row per case, one column per adapter, coloured by status, with a visible screenshot', async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} not found: run \`bash scripts/setup.sh test\` to install Chromium`);
    }
    const dir = mkdtempSync(join(tmpdir(), 'reptile-html-'));
    const run = await smallRun(dir);
    const adapters = run.adapters.map((a) => a.name);
    const file = join(dir, 'report.html');
    writeHtmlReport(file, { cases: run.cases, adapters, results: run.results, text: run.report });

    const want = (r: CaseResult) => cellStatus(r);
    expect(new Set(run.results.map(want))).toEqual(new Set(['pass', 'fail', 'skip', 'xfail']));

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 900, height: 700 } });
      await page.goto(pathToFileURL(file).href);
      const rows = await page.$$eval('#matrix tbody tr', (trs) =>
        trs.map((tr) => tr.getAttribute('data-case')),
      );
      expect(rows).toEqual(run.cases.map((c) => c.name));
      const cols = await page.$$eval('#matrix thead th[data-adapter]', (ths) =>
        ths.map((th) => th.textContent),
      );
      expect(cols).toEqual(adapters);

      const cells = (await page.evaluate(CELLS)) as readonly {
        case: string;
        adapter: string;
        className: string;
        background: string;
      }[];
      expect(cells).toHaveLength(run.cases.length * adapters.length);
      const background = new Map<string, Set<string>>();
      for (const c of cells) {
        const r = run.results.find((x) => x.case === c.case && x.adapter === c.adapter)!;
        expect(c.className.split(' ')).toContain(want(r));
        const set = background.get(want(r)) ?? new Set();
        background.set(want(r), set.add(c.background));
      }
      // No colour is shared between two statuses, and none is the page's white.
      const all = [...background.values()].flatMap((s) => [...s]);
      expect(new Set(all).size).toBe(all.length);
      expect(all).not.toContain('rgb(255, 255, 255)');
      expect(all).not.toContain('rgba(0, 0, 0, 0)');

      // Tooltips carry the numbers and reasons.
      const skipTitle = await page.getAttribute('td.cell.skip', 'title');
      expect(skipTitle).toMatch(/adam-float64 × tfjs-cpu: SKIP[\s\S]*tfjs has no float64/);
      const failTitle = await page.getAttribute('td.cell.fail', 'title');
      expect(failTitle).toMatch(/max \|err\| [0-9.e+-]+, max relative err/);
      const footer = await page.$$eval('#matrix tfoot td[data-adapter]', (tds) =>
        tds.map((td) => td.textContent),
      );
      expect(footer).toEqual(['4 pass · 1 fail · 0 skip · 0 xfail', '3 pass · 0 fail · 1 skip · 1 xfail']);

      // The screenshot, decoded by the browser itself, has plenty of coloured (non-grey) pixels.
      const png = await page.screenshot();
      const blank = await browser.newPage();
      const coloured = (await blank.evaluate(
        colouredShare(`data:image/png;base64,${png.toString('base64')}`),
      )) as number;
      expect(coloured).toBeGreaterThan(0.02);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
