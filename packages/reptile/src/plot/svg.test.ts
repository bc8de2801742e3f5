import { describe, expect, it } from 'vitest';
import { History } from '../model/history.ts';
import { historySvg } from './history-plot.ts';
import { lrFinderSvg } from './lr-plot.ts';
import { niceTicks, svgDocument } from './svg.ts';

/** Every opened tag is closed in order (a small well-formedness check for our own output). */
function wellFormed(svg: string): boolean {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-z]+)[^>]*?(\/?)>/g)) {
    const [, close, name, selfClose] = m;
    if (selfClose) continue;
    if (close) {
      if (stack.pop() !== name) return false;
    } else stack.push(name!);
  }
  return stack.length === 0;
}

describe('SVG plots', () => {
  it('picks round tick steps', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.13, 0.97)).toEqual([0.2, 0.4, 0.6, 0.8]);
    expect(niceTicks(0, 100)).toEqual([0, 20, 40, 60, 80, 100]);
  });

  it('draws one polyline per series and escapes text', () => {
    const svg = svgDocument([
      {
        title: 'a < b & c',
        xLabel: 'x',
        yLabel: 'y',
        series: [
          { name: 'one', x: [1, 2, 3], y: [3, 1, 2], color: '#000' },
          { name: 'two', x: [1, 2, 3], y: [1, 2, Number.NaN], color: '#f00' },
        ],
      },
    ]);
    expect(wellFormed(svg)).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg).toContain('a &lt; b &amp; c');
    expect(svg).not.toContain('NaN');
  });

  it('plots training against validation per metric', () => {
    const h = new History([
      { epoch: 1, loss: 1, accuracy: 0.5, val_loss: 1.2, val_accuracy: 0.4, lr: 0.1 },
      { epoch: 2, loss: 0.5, accuracy: 0.8, val_loss: 0.9, val_accuracy: 0.7, lr: 0.1 },
    ]);
    const svg = historySvg(h);
    expect(wellFormed(svg)).toBe(true);
    for (const label of ['train loss', 'validation loss', 'train accuracy', 'validation accuracy'])
      expect(svg).toContain(label);
    expect(svg).not.toContain('train lr');
  });

  it('marks the suggested learning rate on a log axis', () => {
    const svg = lrFinderSvg({ lrs: [1e-4, 1e-3, 1e-2, 1e-1], losses: [2, 1.5, 0.8, 3], suggestedLr: 1e-3 });
    expect(wellFormed(svg)).toBe(true);
    expect(svg).toContain('suggested 0.0010');
    expect(svg).toContain('1e-4');
  });
});

describe('plotHistoryFile', () => {
  it('turns a history log into an SVG beside it, and names a bad file', async () => {
    const { mkdtempSync, writeFileSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { plotHistoryFile } = await import('./history-plot.ts');
    const dir = mkdtempSync(join(tmpdir(), 'reptile-plot-'));
    const input = join(dir, 'history.json');
    writeFileSync(
      input,
      JSON.stringify(
        new History([
          { epoch: 1, loss: 1 },
          { epoch: 2, loss: 0.5 },
        ]).toJSON(),
      ),
    );
    const out = await plotHistoryFile(input);
    expect(out).toBe(join(dir, 'history.svg'));
    expect(readFileSync(out, 'utf8')).toContain('train loss');
    writeFileSync(join(dir, 'bad.json'), '{"epochs": []}');
    await expect(plotHistoryFile(join(dir, 'bad.json'))).rejects.toThrow(
      /bad.json: is not a training history/,
    );
  });
});
