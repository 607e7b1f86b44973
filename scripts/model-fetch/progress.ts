/**
 * Download progress on stderr, so that stdout keeps only the result lines a
 * script may want to read.
 */
import type { Progress } from './download.js';
import { formatBytes } from './format.js';

/** The part of a stream the printer uses, so tests can hand it a fake one. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

export interface ProgressPrinter {
  update(p: Progress): void;
  /** Ends the carriage-return line so that the next message starts on its own line. */
  finish(): void;
}

/**
 * On a terminal, one line redrawn in place (at most every 100 ms, to keep the
 * terminal cheap). Elsewhere (CI logs, pipes) a carriage return would pile up
 * as garbage, so a new line every 10%, or every 10 MB when the size is unknown.
 */
export function createProgressPrinter(label: string, stream: ProgressStream = process.stderr): ProgressPrinter {
  const tty = Boolean(stream.isTTY);
  let lastStep = -1;
  let lastDraw = 0;
  let drawn = false;
  const text = ({ received, total }: Progress) =>
    total
      ? `${label}: ${Math.floor((received / total) * 100)}% (${formatBytes(received)} of ${formatBytes(total)})`
      : `${label}: ${formatBytes(received)}`;
  return {
    update(p) {
      if (tty) {
        const now = Date.now();
        const done = p.total !== null && p.received >= p.total;
        if (!done && now - lastDraw < 100) return;
        lastDraw = now;
        stream.write(`\r${text(p)}\x1b[K`);
        drawn = true;
        return;
      }
      const step = p.total ? Math.floor((p.received / p.total) * 10) : Math.floor(p.received / (10 * 1024 * 1024));
      if (step > lastStep && (p.received > 0 || p.total === 0)) {
        lastStep = step;
        stream.write(`${text(p)}\n`);
      }
    },
    finish() {
      if (tty && drawn) stream.write('\n');
      drawn = false;
    },
  };
}
