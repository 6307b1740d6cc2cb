/**
 * How `job-gateway watch` shows a job: a live tree with progress bars on a terminal, one plain
 * line per change when the output is a file or pipe, or one JSON object per change (--json).
 */
import { styleText } from 'node:util';
import { createLogUpdate } from 'log-update';
import type { Reconnect } from '../job-view/client.js';
import type { GraphQLErrorShape, JobNode, JobState } from '../job-view/document.js';
import { endOf, flatten, formatDuration, knownState, labelOf, resourceOf, summarize, summaryLine, timeOf } from '../job-view/timeline.js';

export interface Outcome {
  exitCode: number;
  /** One sentence for people: how the job ended, or why the watch did. */
  text: string;
  job: JobNode | undefined;
}

export interface Display {
  job(job: JobNode): void;
  /** Errors the gateway sent; the watch goes on unless `end` follows. */
  errors(errors: readonly GraphQLErrorShape[]): void;
  reconnecting(reconnect: Reconnect): void;
  end(outcome: Outcome): void;
}

export interface Output {
  write(text: string): unknown;
}

/**
 * Upstream text goes to a terminal: control characters (an ESC starting a cursor or colour
 * sequence among them) are replaced, so a job message can neither hide lines nor restyle the screen.
 */
export function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters it replaces
  return text.replace(/\r?\n/g, ' ').replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '\ufffd');
}

export function errorText(errors: readonly GraphQLErrorShape[]): string {
  return errors.map((e) => (e.extensions?.code ? `${e.message} (${e.extensions.code})` : e.message)).join('; ');
}

const now = (): string => new Date().toISOString();

/* ------------------------------------------------------------------------------------------ */
/* --json                                                                                      */
/* ------------------------------------------------------------------------------------------ */

export function jsonDisplay(out: Output): Display {
  const line = (value: Record<string, unknown>): void => void out.write(`${JSON.stringify({ time: now(), ...value })}\n`);
  return {
    job: (job) => line({ type: 'job', id: job.id, state: job.state, terminal: job.terminal, job }),
    errors: (errors) => line({ type: 'error', errors }),
    reconnecting: (r) => line({ type: 'reconnecting', attempt: r.attempt, delayMs: r.delayMs, reason: r.trouble }),
    end: ({ exitCode, text, job }) => {
      const summary = job ? summarize(job, Date.now()) : undefined;
      line({
        type: 'end',
        exitCode,
        message: text,
        state: job?.state ?? null,
        durationMs: summary?.durationMs ?? null,
        failed: summary?.failed.map((f) => ({ id: f.id, step: labelOf(f), state: f.state, message: f.message })) ?? [],
      });
    },
  };
}

/* ------------------------------------------------------------------------------------------ */
/* Plain lines (not a terminal)                                                                */
/* ------------------------------------------------------------------------------------------ */

export function plainDisplay(out: Output, err: Output): Display {
  const seen = new Map<string, string>();
  return {
    job(job) {
      for (const { job: row, depth } of flatten(job)) {
        const progress = row.progress !== null ? ` ${Math.round(row.progress)}%` : '';
        const message = row.message ? ` - ${row.message}` : '';
        const shown = `${row.state}${progress}${message}`;
        if (seen.get(row.id) === shown) continue;
        seen.set(row.id, shown);
        out.write(`${printable(`${now()} ${'  '.repeat(depth)}${labelOf(row)} ${shown}`)}\n`);
      }
    },
    errors: (errors) => void err.write(`${printable(`${now()} gateway error: ${errorText(errors)}`)}\n`),
    reconnecting: (r) =>
      void err.write(
        `${printable(`${now()} connection lost (${r.trouble}); reconnecting in ${formatDuration(r.delayMs)} (attempt ${r.attempt})`)}\n`,
      ),
    end: ({ exitCode, text }) => void (exitCode <= 1 ? out : err).write(`${printable(text)}\n`),
  };
}

/* ------------------------------------------------------------------------------------------ */
/* A terminal: the tree, redrawn in place                                                      */
/* ------------------------------------------------------------------------------------------ */

const COLOR: Record<JobState, Parameters<typeof styleText>[0]> = {
  PENDING: 'gray',
  RUNNING: 'cyan',
  SUCCEEDED: 'green',
  FAILED: 'red',
  CANCELLED: 'yellow',
  SKIPPED: 'gray',
  UNKNOWN: 'magenta',
};
const MARK: Record<JobState, string> = {
  PENDING: '·',
  RUNNING: '◐',
  SUCCEEDED: '✓',
  FAILED: '✗',
  CANCELLED: '⊘',
  SKIPPED: '↷',
  UNKNOWN: '?',
};
const SPINNER = ['◐', '◓', '◑', '◒'];
const BAR = 20;

function padOrCut(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text.padEnd(width);
}

/** Progress where the upstream gives one; otherwise full when done, empty when waiting, a moving block while running. */
function bar(job: JobNode, tick: number): { done: string; rest: string } {
  const state = knownState(job.state);
  let filled: number;
  if (job.progress !== null) filled = Math.round((Math.min(100, Math.max(0, job.progress)) / 100) * BAR);
  else if (job.terminal) filled = BAR;
  else if (state === 'PENDING') filled = 0;
  else {
    const at = tick % (BAR - 4);
    return { done: `${'░'.repeat(at)}████`, rest: '░'.repeat(BAR - at - 4) };
  }
  return { done: '█'.repeat(filled), rest: '░'.repeat(BAR - filled) };
}

export interface TtyOptions {
  columns: () => number;
  color: boolean;
  /** Where the watch reads from, shown in the status line. */
  url: string;
}

export function ttyDisplay(stream: NodeJS.WriteStream, options: TtyOptions): Display & { tick(): void } {
  const update = createLogUpdate(stream, { showCursor: false });
  const paint = (format: Parameters<typeof styleText>[0], text: string): string => (options.color ? styleText(format, text) : text);
  let job: JobNode | undefined;
  let status = `connecting to ${options.url}`;
  let tick = 0;

  const frame = (): string => {
    const lines: string[] = [];
    if (!job) {
      lines.push(paint('gray', `${SPINNER[tick % SPINNER.length]} waiting for the job…`));
    } else {
      const stamp = Date.now();
      const columns = Math.max(60, options.columns());
      const rows = treeRows(job);
      const nameWidth = Math.min(
        Math.max(...rows.map((r) => r.prefix.length + 2 + labelOf(r.job).length + (resourceOf(r.job) ? resourceOf(r.job)!.length + 3 : 0))),
        Math.max(16, columns - 50),
      );
      for (const { job: row, prefix } of rows) {
        const state = knownState(row.state);
        const mark = state === 'RUNNING' ? (SPINNER[tick % SPINNER.length] ?? MARK.RUNNING) : MARK[state];
        const resource = resourceOf(row);
        const name = padOrCut(printable(`${prefix}${mark} ${labelOf(row)}${resource ? ` (${resource})` : ''}`), nameWidth);
        const { done, rest } = bar(row, tick);
        const pct = row.progress !== null ? `${String(Math.round(row.progress)).padStart(3)}%` : '    ';
        const start = timeOf(row.createdAt);
        const end = endOf(row, stamp);
        const took = start !== undefined && end !== undefined ? formatDuration(Math.max(0, end - start)) : '';
        lines.push(
          `${name} ${paint(COLOR[state], state.padEnd(9))} ${paint(COLOR[state], done)}${paint('gray', rest)} ${pct} ${paint('gray', took)}`,
        );
        if (row.message && (state === 'FAILED' || state === 'CANCELLED')) {
          lines.push(paint('red', padOrCut(printable(`${' '.repeat(prefix.length + 2)}${row.message}`), columns - 1).trimEnd()));
        }
      }
    }
    lines.push(paint('gray', printable(status)));
    return lines.join('\n');
  };

  return {
    job(next) {
      job = next;
      status = `live · ${options.url} · last update ${new Date().toLocaleTimeString()}`;
      update(frame());
    },
    errors(errors) {
      status = `gateway error at ${new Date().toLocaleTimeString()}: ${errorText(errors)}; still watching`;
      update(frame());
    },
    reconnecting(r) {
      status = `connection lost (${r.trouble}); reconnecting in ${formatDuration(r.delayMs)} (attempt ${r.attempt})`;
      update(frame());
    },
    tick() {
      tick++;
      update(frame());
    },
    end({ text, exitCode, job: last }) {
      if (last) job = last;
      status = '';
      const body = frame().replace(/\n$/, '');
      update(body);
      update.done();
      const color = exitCode === 0 ? 'green' : exitCode === 1 ? 'red' : 'yellow';
      stream.write(`${paint(color, printable(text))}\n`);
    },
  };
}

/** The tree with its ├─ └─ │ prefixes. */
function treeRows(root: JobNode): { job: JobNode; prefix: string }[] {
  const rows: { job: JobNode; prefix: string }[] = [{ job: root, prefix: '' }];
  const walk = (job: JobNode, indent: string): void => {
    const subs = job.subJobs ?? [];
    subs.forEach((sub, i) => {
      const last = i === subs.length - 1;
      rows.push({ job: sub, prefix: `${indent}${last ? '└─ ' : '├─ '}` });
      walk(sub, `${indent}${last ? '   ' : '│  '}`);
    });
  };
  walk(root, '');
  return rows;
}

/** The sentence printed when the job reaches its end. */
export function finalText(job: JobNode): string {
  return summaryLine(job, Date.now());
}
