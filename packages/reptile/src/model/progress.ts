import type { EpochLogs } from './history.ts';

/**
 * How training reports progress: 'bar' redraws a progress bar in a terminal, 'lines' prints one
 * line per epoch, 'quiet' prints nothing, 'auto' picks 'bar' when the output is a TTY and
 * 'lines' otherwise.
 */
export type Verbosity = 'auto' | 'bar' | 'lines' | 'quiet';

/** Where progress goes: process.stdout by default; anything with write() works. */
export interface ProgressOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

const fmt = (v: number) =>
  Math.abs(v) >= 1000 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toFixed(4);

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

function formatLogs(logs: Readonly<Record<string, number>>, skip: readonly string[] = []): string {
  return Object.entries(logs)
    .filter(([k]) => !skip.includes(k))
    .map(([k, v]) => `${k} ${k === 'lr' ? v.toPrecision(3) : fmt(v)}`)
    .join('  ');
}

/**
 * Training progress. 'bar' redraws one line per epoch in a terminal (epoch, step, loss,
 * metrics, samples/s, ETA), at most ~10 times a second; 'lines' prints one plain line per epoch
 * (logs, CI); 'quiet' prints nothing; 'auto' picks 'bar' on a TTY and 'lines' otherwise.
 */
export class Progress {
  readonly mode: Exclude<Verbosity, 'auto'>;
  private epochStartedAt = 0;
  private lastDraw = -Infinity;
  private samples = 0;
  private lastLength = 0;

  constructor(
    mode: Verbosity,
    private readonly out: ProgressOutput,
    private readonly epochs: number,
    private readonly stepsPerEpoch: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.mode = mode === 'auto' ? (out.isTTY ? 'bar' : 'lines') : mode;
  }

  epochStart(): void {
    this.epochStartedAt = this.now();
    this.lastDraw = -Infinity;
    this.samples = 0;
  }

  /** After each step: `logs` are running means over the epoch so far. */
  step(epoch: number, step: number, batchSize: number, logs: Readonly<Record<string, number>>): void {
    this.samples += batchSize;
    if (this.mode !== 'bar') return;
    const t = this.now();
    if (t - this.lastDraw < 100 && step < this.stepsPerEpoch) return;
    this.lastDraw = t;
    const elapsed = (t - this.epochStartedAt) / 1000;
    const rate = elapsed > 0 ? this.samples / elapsed : 0;
    const eta = step > 0 ? (elapsed / step) * (this.stepsPerEpoch - step) : Number.NaN;
    const text = `${this.epochLabel(epoch)} ${this.bar(step)} ${step}/${this.stepsPerEpoch}  ${formatLogs(logs)}  ${Math.round(rate)} samples/s  ETA ${formatDuration(eta)}`;
    this.redraw(text);
  }

  epochEnd(epoch: number, logs: EpochLogs): void {
    if (this.mode === 'quiet') return;
    const elapsed = (this.now() - this.epochStartedAt) / 1000;
    const rate = elapsed > 0 ? Math.round(this.samples / elapsed) : 0;
    const text = `${this.epochLabel(epoch)}${this.mode === 'bar' ? ` ${this.bar(this.stepsPerEpoch)}` : ''}  ${formatLogs(logs, ['epoch', 'seconds'])}  ${rate} samples/s  ${elapsed.toFixed(1)}s`;
    if (this.mode === 'bar') this.redraw(text);
    else this.out.write(text);
    this.out.write('\n');
    this.lastLength = 0;
  }

  message(text: string): void {
    if (this.mode === 'quiet') return;
    if (this.lastLength > 0) this.out.write('\n');
    this.lastLength = 0;
    this.out.write(`${text}\n`);
  }

  private epochLabel(epoch: number): string {
    const w = String(this.epochs).length;
    return `Epoch ${String(epoch).padStart(w)}/${this.epochs}`;
  }

  private bar(step: number): string {
    const width = 24;
    const done = Math.min(width, Math.floor((step / Math.max(this.stepsPerEpoch, 1)) * width));
    return `[${'='.repeat(Math.max(done - 1, 0))}${done > 0 ? (done === width ? '=' : '>') : ''}${'.'.repeat(width - done)}]`;
  }

  private redraw(text: string): void {
    const max = (this.out.columns ?? 120) - 1;
    const line = text.length > max ? text.slice(0, max) : text;
    this.out.write(`\r${line}${' '.repeat(Math.max(0, this.lastLength - line.length))}`);
    this.lastLength = line.length;
  }
}
