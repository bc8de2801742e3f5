/**
 * Hand-written SVG line charts: no plotting dependency, files open in any browser. A chart has
 * one or more series over a shared x axis, "nice" ticks, an optional log-scale x axis, a legend
 * and optional markers (e.g. a suggested learning rate).
 */
export interface Series {
  readonly name: string;
  readonly x: readonly number[];
  readonly y: readonly number[];
  readonly color: string;
  readonly dashed?: boolean;
}

export interface Marker {
  readonly x: number;
  readonly label: string;
  readonly color: string;
}

export interface ChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly logX?: boolean;
  readonly markers?: readonly Marker[];
  /** Fixed y range; points outside are clipped (keeps a divergence spike from flattening the rest). */
  readonly yRange?: readonly [number, number];
  readonly width?: number;
  readonly height?: number;
}

export const COLORS = { train: '#1f77b4', validation: '#ff7f0e', extra: '#2ca02c', marker: '#d62728' };

const escapeXml = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** Round tick values covering [lo, hi]: steps of 1, 2 or 5 × 10^k. */
export function niceTicks(lo: number, hi: number, target = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(0);
  return String(Number(v.toPrecision(4)));
}

/** A chart as an SVG group placed at (left, top); used alone or as a panel of a figure. */
export function chartGroup(options: ChartOptions, left: number, top: number): string {
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  const m = { left: 64, right: 16, top: 36, bottom: 48 };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const tx = (v: number) => (options.logX ? Math.log10(v) : v);
  const points = options.series
    .flatMap((s) => s.x.map((x, i) => [tx(x), s.y[i]!] as const))
    .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xs = points.map(([x]) => x);
  const ys = points.map(([, y]) => y);
  let [x0, x1] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  let [y0, y1] = options.yRange ?? (ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1]);
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  const pad = (y1 - y0) * 0.05;
  y0 -= pad;
  y1 += pad;
  const sx = (x: number) => m.left + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number) => m.top + (1 - (y - y0) / (y1 - y0)) * ph;
  const parts: string[] = [
    `<g transform="translate(${left},${top})" font-family="sans-serif" font-size="12">`,
  ];
  parts.push(
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(options.title)}</text>`,
  );
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="white" stroke="#999"/>`);
  const xTicks = options.logX
    ? Array.from({ length: Math.floor(x1) - Math.ceil(x0) + 1 }, (_, i) => Math.ceil(x0) + i)
    : niceTicks(x0, x1);
  for (const t of xTicks) {
    const x = sx(t);
    parts.push(`<line x1="${x}" y1="${m.top}" x2="${x}" y2="${m.top + ph}" stroke="#eee"/>`);
    const label = options.logX ? `1e${t}` : formatTick(t);
    parts.push(`<text x="${x}" y="${m.top + ph + 16}" text-anchor="middle">${label}</text>`);
  }
  for (const t of niceTicks(y0, y1)) {
    const y = sy(t);
    parts.push(`<line x1="${m.left}" y1="${y}" x2="${m.left + pw}" y2="${y}" stroke="#eee"/>`);
    parts.push(`<text x="${m.left - 6}" y="${y + 4}" text-anchor="end">${formatTick(t)}</text>`);
  }
  parts.push(
    `<text x="${m.left + pw / 2}" y="${height - 10}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`,
  );
  parts.push(
    `<text transform="translate(16,${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`,
  );
  for (const s of options.series) {
    const pts = s.x
      .map((x, i) => [tx(x), s.y[i]!] as const)
      .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y))
      .map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`);
    if (pts.length === 0) continue;
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    parts.push(
      `<polyline fill="none" stroke="${s.color}" stroke-width="2"${dash} points="${pts.join(' ')}"/>`,
    );
    if (pts.length <= 60)
      for (const p of pts) {
        const [cx, cy] = p.split(',');
        parts.push(`<circle cx="${cx}" cy="${cy}" r="2.5" fill="${s.color}"/>`);
      }
  }
  for (const mk of options.markers ?? []) {
    const x = sx(tx(mk.x));
    if (!Number.isFinite(x)) continue;
    parts.push(
      `<line x1="${x}" y1="${m.top}" x2="${x}" y2="${m.top + ph}" stroke="${mk.color}" stroke-dasharray="4 3"/>`,
    );
    parts.push(`<text x="${x + 4}" y="${m.top + 14}" fill="${mk.color}">${escapeXml(mk.label)}</text>`);
  }
  // The legend goes in the corner of the plot that the data crosses least.
  const boxW = 152;
  const boxH = options.series.length * 16 + 6;
  const corners = [
    [m.left + pw - boxW - 4, m.top + 2],
    [m.left + 4, m.top + 2],
    [m.left + pw - boxW - 4, m.top + ph - boxH - 2],
    [m.left + 4, m.top + ph - boxH - 2],
  ] as const;
  // Sample along each line, not only at its points, so a steep segment crossing a corner counts.
  const dense = options.series.flatMap((s) => {
    const pts = s.x
      .map((x, i) => [tx(x), Math.min(Math.max(s.y[i]!, y0), y1)] as const)
      .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    return pts.flatMap(([x, y], i) => {
      const next = pts[i + 1];
      if (!next) return [[x, y] as const];
      return Array.from(
        { length: 8 },
        (_, k) => [x + ((next[0] - x) * k) / 8, y + ((next[1] - y) * k) / 8] as const,
      );
    });
  });
  const crowding = corners.map(
    ([cx, cy]) =>
      dense.filter(([x, y]) => {
        const px = sx(x);
        const py = sy(y);
        return px >= cx - 8 && px <= cx + boxW + 8 && py >= cy - 8 && py <= cy + boxH + 8;
      }).length,
  );
  const [lx, ly] = corners[crowding.indexOf(Math.min(...crowding))]!;
  if (options.series.length > 0) {
    parts.push(
      `<rect x="${lx}" y="${ly}" width="${boxW}" height="${boxH}" fill="white" fill-opacity="0.85" stroke="#ccc"/>`,
    );
  }
  options.series.forEach((s, i) => {
    const y = ly + 10 + i * 16;
    const x = lx + 6;
    parts.push(
      `<line x1="${x}" y1="${y}" x2="${x + 20}" y2="${y}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
    );
    parts.push(`<text x="${x + 26}" y="${y + 4}">${escapeXml(s.name)}</text>`);
  });
  parts.push('</g>');
  return parts.join('\n');
}

/** A standalone SVG document holding panels side by side. */
export function svgDocument(panels: readonly ChartOptions[]): string {
  const width = panels.reduce((w, p) => w + (p.width ?? 640), 0);
  const height = Math.max(...panels.map((p) => p.height ?? 400));
  let x = 0;
  const groups = panels.map((p) => {
    const g = chartGroup(p, x, 0);
    x += p.width ?? 640;
    return g;
  });
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...groups,
    '</svg>',
    '',
  ].join('\n');
}
