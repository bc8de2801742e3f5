import { writeFileAtomic } from '../atomic.ts';
import { COLORS, svgDocument } from './svg.ts';

export interface LrCurve {
  readonly lrs: readonly number[];
  readonly losses: readonly number[];
  readonly suggestedLr: number;
}

/** Loss against learning rate on a log axis, with the suggestion marked. */
export function lrFinderSvg(curve: LrCurve): string {
  // Show the useful part: from the minimum up to 1.5× the starting loss's distance above it.
  const low = Math.min(...curve.losses);
  const start = curve.losses[0] ?? low;
  const high = start > low ? start + (start - low) * 1.5 : low * 1.5 + 1e-12;
  return svgDocument([
    {
      title: 'Learning-rate range test',
      xLabel: 'learning rate (log scale)',
      yLabel: 'smoothed loss',
      logX: true,
      series: [{ name: 'loss', x: curve.lrs, y: curve.losses, color: COLORS.train }],
      yRange: [low - (high - low) * 0.05, high],
      markers: [
        {
          x: curve.suggestedLr,
          label: `suggested ${curve.suggestedLr.toPrecision(2)}`,
          color: COLORS.marker,
        },
      ],
      width: 720,
      height: 440,
    },
  ]);
}

/**
 * Writes the learning-rate finder's curve (see lrFinderSvg; a LrFinderResult will do) to `path`
 * as SVG, atomically, creating the directory if needed and replacing any existing file.
 */
export async function writeLrFinderPlot(curve: LrCurve, path: string): Promise<void> {
  await writeFileAtomic(path, lrFinderSvg(curve));
}
