import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';

/** Buffered line output to stdout or a file, honouring back-pressure. */
export class LineOutput {
  #buffer: string[] = [];
  #size = 0;
  readonly #stream: Writable;

  constructor(path: string | undefined) {
    this.#stream = path ? createWriteStream(path) : process.stdout;
  }

  line(text: string): void {
    this.#buffer.push(text);
    this.#size += text.length + 1;
  }

  /** Writes what is buffered when it is large enough (or always, with `force`). */
  async flush(force = false): Promise<void> {
    if (this.#size < 1 << 18 && !force) return;
    if (this.#buffer.length === 0) return;
    const text = `${this.#buffer.join('\n')}\n`;
    this.#buffer = [];
    this.#size = 0;
    if (!this.#stream.write(text))
      await new Promise<void>((resolve) => this.#stream.once('drain', resolve));
  }

  async close(): Promise<void> {
    await this.flush(true);
    if (this.#stream !== process.stdout) {
      await new Promise<void>((resolve, reject) =>
        this.#stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
      );
    }
  }
}
