/** Where progress goes: stderr, so stdout stays clean for results. */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/**
 * A progress bar for long work (downloads, conversion) on stderr. On a terminal it redraws one
 * line; elsewhere (CI logs, pipes) it prints a line every 10 %, so logs stay short.
 */
export class ProgressBar {
  private lastPercent = -1;
  private lastDraw = 0;
  private readonly started = Date.now();

  constructor(
    private readonly label: string,
    private readonly stream: ProgressStream = process.stderr,
    private readonly unit: 'bytes' | 'steps' = 'bytes',
  ) {}

  update(done: number, total: number | undefined, detail = ''): void {
    const percent = total ? Math.min(100, Math.floor((done / total) * 100)) : -1;
    const amount =
      this.unit === 'bytes'
        ? `${formatBytes(done)}${total ? ` / ${formatBytes(total)}` : ''}`
        : `${done}${total ? ` / ${total}` : ''}`;
    if (this.stream.isTTY) {
      const now = Date.now();
      if (now - this.lastDraw < 80 && percent !== 100) return;
      this.lastDraw = now;
      const width = 24;
      const filled = percent < 0 ? 0 : Math.round((percent / 100) * width);
      const bar =
        percent < 0 ? '' : `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent}% `;
      const line = `${this.label} ${bar}${amount}${detail ? ` ${detail}` : ''}`;
      this.stream.write(`\r${line.slice(0, (this.stream.columns ?? 100) - 1)}\x1b[K`);
    } else if (percent >= 0 && Math.floor(percent / 10) !== Math.floor(this.lastPercent / 10)) {
      this.stream.write(`${this.label} ${percent}% ${amount}${detail ? ` ${detail}` : ''}\n`);
    }
    this.lastPercent = percent;
  }

  /** Ends the bar with a summary line. */
  done(summary = ''): void {
    const seconds = ((Date.now() - this.started) / 1000).toFixed(1);
    const text = `${this.label} done in ${seconds} s${summary ? ` — ${summary}` : ''}`;
    this.stream.write(this.stream.isTTY ? `\r${text}\x1b[K\n` : `${text}\n`);
  }
}
