import { readFile } from 'node:fs/promises';
import { fail } from '@reptile/core';
import { writeFileAtomic } from '../atomic.ts';
import { History } from '../model/history.ts';
import { type ChartOptions, COLORS, svgDocument } from './svg.ts';

const NOT_PLOTTED = new Set(['lr', 'seconds', 'samplesPerSecond']);

/** One panel per metric (loss first): training against validation, per epoch. */
export function historySvg(history: History, title = 'Training history'): string {
  const epochs = history.epochs.map((e) => e.epoch);
  const base = history.metrics.filter((m) => !m.startsWith('val_') && !NOT_PLOTTED.has(m));
  const names = ['loss', ...base.filter((m) => m !== 'loss')].filter(
    (m) => history.metrics.includes(m) || history.metrics.includes(`val_${m}`),
  );
  const panels: ChartOptions[] = names.map((name) => {
    const series = [{ name: `train ${name}`, x: epochs, y: history.metric(name), color: COLORS.train }];
    if (history.metrics.includes(`val_${name}`))
      series.push({
        name: `validation ${name}`,
        x: epochs,
        y: history.metric(`val_${name}`),
        color: COLORS.validation,
      });
    return { title: `${title}: ${name}`, xLabel: 'epoch', yLabel: name, series, width: 560, height: 380 };
  });
  return svgDocument(panels.length ? panels : [{ title, xLabel: 'epoch', yLabel: '', series: [] }]);
}

/**
 * Writes `history`'s plot (see historySvg) to `path` as SVG, atomically, creating the directory
 * if needed and replacing any existing file.
 */
export async function writeHistoryPlot(history: History, path: string): Promise<void> {
  await writeFileAtomic(path, historySvg(history));
}

/**
 * For `reptile plot history.json`: reads a history written by fit's HistoryLog callback (or
 * `JSON.stringify(history)`) and writes its plot, by default beside it as .svg. Returns the path.
 */
export async function plotHistoryFile(input: string, output?: string): Promise<string> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(input, 'utf8'));
  } catch (error) {
    return fail(`cannot read a history: ${(error as Error).message}`, {
      where: input,
      hint: 'pass the history.json written by callbacks.historyLog(path)',
    });
  }
  const target = output ?? `${input.replace(/\.json$/i, '')}.svg`;
  await writeHistoryPlot(History.fromJSON(value, input), target);
  return target;
}
