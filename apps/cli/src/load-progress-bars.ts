import type { LoadProgress } from '@bg-gpt2/runtime';
import { ProgressBar, type ProgressStream } from './progress-bar.js';

/** One progress bar per file being downloaded or converted, fed from runtime progress reports. */
export function progressBars(stream: ProgressStream = process.stderr): {
  onProgress: (progress: LoadProgress) => void;
  finish: () => void;
} {
  const bars = new Map<string, ProgressBar>();
  const finished = new Set<string>();
  return {
    onProgress(progress) {
      const key = `${progress.phase}:${progress.file}`;
      if (finished.has(key)) return;
      let bar = bars.get(key);
      if (!bar) {
        const label =
          progress.phase === 'download'
            ? `downloading ${progress.file}`
            : `converting ${progress.file}`;
        bar = new ProgressBar(label, stream, progress.phase === 'download' ? 'bytes' : 'steps');
        bars.set(key, bar);
      }
      bar.update(progress.loaded, progress.total);
      if (progress.total !== undefined && progress.loaded >= progress.total) {
        bar.done();
        finished.add(key);
      }
    },
    finish() {
      for (const [key, bar] of bars) if (!finished.has(key)) bar.done();
    },
  };
}
