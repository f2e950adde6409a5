/**
 * CLI progress on stderr. At a terminal it keeps one line per running job and redraws it in
 * place; anywhere else (a pipe, a log file, `--json`) it prints a plain line when a job starts
 * or changes phase and at most every few seconds between, so logs stay short and greppable.
 */
export interface ProgressStream {
  write(s: string): void;
  /** Redraw in place only where a person is watching a terminal that understands it. */
  live: boolean;
  columns?: () => number | undefined;
}

export interface ProgressUpdate {
  /** Updates with the same job share one line; a command's own progress uses the default job. */
  job?: string;
  label: string;
  done: number;
  total: number;
  /** The job is over: its line goes away (the command prints its result instead). */
  finished?: boolean;
}

export interface ProgressRenderer {
  update(u: ProgressUpdate): void;
  /** Writes other output (a log line) without tearing the live lines. */
  interrupt(write: () => void): void;
  /** Removes live lines before the command's result or error is printed. */
  end(): void;
}

export interface ProgressOptions {
  now?: () => number;
  /** Plain mode: the longest silence while a phase runs. */
  plainIntervalMs?: number;
  /** Live mode: the shortest gap between redraws of unchanged lines. */
  liveIntervalMs?: number;
}

const DEFAULT_JOB = '';

export function progressText(u: Pick<ProgressUpdate, 'label' | 'done' | 'total'>): string {
  const pct = u.total > 0 ? Math.min(100, Math.floor((u.done / u.total) * 100)) : 100;
  return `${u.label}: ${pct}% (${u.done}/${u.total})`;
}

export function createProgressRenderer(stream: ProgressStream, opts: ProgressOptions = {}): ProgressRenderer {
  const now = opts.now ?? Date.now;
  return stream.live
    ? liveRenderer(stream, now, opts.liveIntervalMs ?? 100)
    : plainRenderer(stream, now, opts.plainIntervalMs ?? 5000);
}

function plainRenderer(stream: ProgressStream, now: () => number, intervalMs: number): ProgressRenderer {
  const last = new Map<string, { label: string; at: number }>();
  return {
    update(u) {
      const job = u.job ?? DEFAULT_JOB;
      if (u.finished) {
        last.delete(job);
        return;
      }
      const prev = last.get(job);
      const t = now();
      if (prev && prev.label === u.label && t - prev.at < intervalMs) return;
      last.set(job, { label: u.label, at: t });
      stream.write(progressText(u) + '\n');
    },
    interrupt(write) {
      write();
    },
    end() {
      last.clear();
    },
  };
}

const ESC = '\x1b[';

function liveRenderer(stream: ProgressStream, now: () => number, intervalMs: number): ProgressRenderer {
  const lines = new Map<string, { label: string; text: string }>();
  let drawn = 0; // lines on screen; the cursor sits at the end of the last one
  let lastDraw = -Infinity;

  const fit = (text: string) => {
    // A wrapped line would throw off the count of lines to move back over.
    const width = (stream.columns?.() ?? 80) - 1;
    return width > 0 && text.length > width ? text.slice(0, width) : text;
  };
  const toBlockStart = () => (drawn > 1 ? `\r${ESC}${drawn - 1}A` : '\r');
  const clear = () => {
    if (drawn === 0) return;
    stream.write(`${toBlockStart()}${ESC}J`);
    drawn = 0;
  };
  const draw = () => {
    const texts = [...lines.values()].map((l) => fit(l.text));
    stream.write(`${drawn > 0 ? toBlockStart() : ''}${ESC}J${texts.join('\n')}`);
    drawn = texts.length;
    lastDraw = now();
  };

  return {
    update(u) {
      const job = u.job ?? DEFAULT_JOB;
      const prev = lines.get(job);
      if (u.finished) {
        if (!prev) return;
        lines.delete(job);
        draw();
        return;
      }
      lines.set(job, { label: u.label, text: progressText(u) });
      // New jobs, phase changes and a phase's last step show at once; counts between them at
      // most every interval.
      const changed = !prev || prev.label !== u.label || u.done >= u.total;
      if (changed || now() - lastDraw >= intervalMs) draw();
    },
    interrupt(write) {
      const had = drawn > 0;
      clear();
      write();
      if (had && lines.size) draw();
    },
    end() {
      clear();
      lines.clear();
    },
  };
}
