/**
 * The job page in the browser: `/jobs/<global id>` follows the job over the `jobUpdated`
 * subscription and draws it as a timeline; `/jobs` asks for an id.
 *
 * Every string that comes from an upstream (types, names, messages, raw status words) is put in
 * the page with textContent or as an attribute value, never parsed as HTML.
 */
import { watchJob, type Reconnect } from '../job-view/client.js';
import type { GraphQLErrorShape, JobNode } from '../job-view/document.js';
import {
  STATE_WORDS,
  endOf,
  flatten,
  formatDuration,
  knownState,
  labelOf,
  resourceOf,
  spanOf,
  summarize,
  timeOf,
  type Span,
} from '../job-view/timeline.js';

const GRAPHQL_URL = '/graphql';
const TOKEN_KEY = 'job-gateway.token';
/** Reconnect waits: 1, 2, 4, 8, 16 s, then every 30 s, for as long as the tab is open. */
const retryDelayMs = (attempt: number): number => Math.min(30_000, 1000 * 2 ** attempt);

type Children = (Node | string | null | undefined | false)[];

/** An element with text children only: strings become text nodes, never markup. */
function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { class?: string; title?: string; data?: Record<string, string> } = {},
  ...children: Children
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.class) node.className = props.class;
  if (props.title) node.title = props.title;
  for (const [key, value] of Object.entries(props.data ?? {})) node.dataset[key] = value;
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

function clock(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

function dateTime(ms: number): string {
  return new Date(ms).toLocaleString([], {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

function badge(state: string): HTMLElement {
  const known = knownState(state);
  return h('span', { class: `badge state-${known}`, data: { state: known } }, STATE_WORDS[known] ?? known);
}

/* ------------------------------------------------------------------------------------------ */
/* Token                                                                                       */
/* ------------------------------------------------------------------------------------------ */

function storedToken(): string | undefined {
  try {
    return sessionStorage.getItem(TOKEN_KEY) || undefined;
  } catch {
    return undefined; // storage disabled: the field still works for this page view
  }
}

function tokenForm(onChange: () => void): { form: HTMLElement; token: () => string | undefined } {
  const input = h('input');
  input.type = 'password';
  input.name = 'token';
  input.autocomplete = 'off';
  input.spellcheck = false;
  input.placeholder = 'X-Auth-Token (not needed with the simulator)';
  input.setAttribute('aria-label', 'Token');
  const state = h('span', { class: 'token-state' });
  let memory = storedToken();
  const show = (): void => {
    state.textContent = memory ? 'token set for this tab' : 'no token: the gateway uses its own credentials';
    input.value = '';
  };
  const use = h('button', {}, 'Use token');
  use.type = 'submit';
  const forget = h('button', { class: 'quiet' }, 'Forget');
  forget.type = 'button';
  // No action, no GET: the token never travels in a URL, only in the X-Auth-Token header.
  const form = h('form', { class: 'token' }, h('label', {}, 'Token ', input), use, forget, state);
  form.method = 'post';
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = input.value.trim();
    if (!value) return;
    memory = value;
    try {
      sessionStorage.setItem(TOKEN_KEY, value);
    } catch {
      // kept in memory only
    }
    show();
    onChange();
  });
  forget.addEventListener('click', () => {
    memory = undefined;
    try {
      sessionStorage.removeItem(TOKEN_KEY);
    } catch {
      // nothing stored
    }
    show();
    onChange();
  });
  show();
  return { form, token: () => memory };
}

function header(extra?: Node): HTMLElement {
  const home = h('a', { class: 'brand' }, 'job-gateway');
  home.href = '/jobs';
  const graphiql = h('a', { class: 'quiet-link' }, 'GraphQL');
  graphiql.href = GRAPHQL_URL;
  return h(
    'header',
    { class: 'top' },
    h('div', { class: 'brand-line' }, home, h('span', { class: 'crumb' }, 'job timeline'), graphiql),
    extra,
  );
}

/* ------------------------------------------------------------------------------------------ */
/* /jobs: paste an id                                                                          */
/* ------------------------------------------------------------------------------------------ */

function renderIndex(app: HTMLElement): void {
  document.title = 'Jobs · job-gateway';
  const input = h('input');
  input.name = 'id';
  input.required = true;
  input.placeholder = 'WyJ…  (the id field of any job)';
  input.spellcheck = false;
  input.autocomplete = 'off';
  input.setAttribute('aria-label', 'Global job id');
  const open = h('button', {}, 'Open timeline');
  open.type = 'submit';
  const form = h('form', { class: 'open-job' }, input, open);
  form.method = 'get';
  form.action = '/jobs';
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const id = input.value.trim();
    if (id) location.assign(`/jobs/${encodeURIComponent(id)}`);
  });
  app.replaceChildren(
    header(),
    h(
      'section',
      { class: 'card intro' },
      h('h1', {}, 'Follow a job'),
      h(
        'p',
        {},
        'Paste a job\u2019s global id (the ',
        h('code', {}, 'id'),
        ' field of any job this gateway returns) to see it and its sub-jobs as a live timeline.',
      ),
      form,
    ),
  );
  input.focus();
}

/* ------------------------------------------------------------------------------------------ */
/* /jobs/<id>: the timeline                                                                    */
/* ------------------------------------------------------------------------------------------ */

type Connection =
  | { kind: 'connecting' }
  | { kind: 'live'; at: number }
  | { kind: 'reconnecting'; reconnect: Reconnect; since: number }
  | { kind: 'trouble'; errors: readonly GraphQLErrorShape[]; at: number }
  | { kind: 'finished' }
  | { kind: 'stopped'; reason: string }
  | { kind: 'failed'; reason: string };

const NICE_WINDOWS_S = [30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400, 21_600, 43_200, 86_400, 172_800, 604_800];

/**
 * The time axis. Finished: exactly the job's span. Still running: from the start to the next
 * round window past now, so bars visibly grow towards the right instead of always filling it.
 */
function axisOf(span: Span, terminal: boolean): Span {
  if (terminal) return span;
  const elapsedS = (span.end - span.start) / 1000;
  const window = NICE_WINDOWS_S.find((w) => w >= elapsedS * 1.1) ?? elapsedS * 1.25;
  return { start: span.start, end: span.start + window * 1000 };
}

function offsetLabel(ms: number): string {
  return ms === 0 ? 'start' : `+${formatDuration(ms)}`;
}

function errorText(errors: readonly GraphQLErrorShape[]): string {
  return errors.map((e) => (e.extensions?.code ? `${e.message} (${e.extensions.code})` : e.message)).join('; ');
}

function renderJobPage(app: HTMLElement, id: string): void {
  let job: JobNode | undefined;
  let connection: Connection = { kind: 'connecting' };
  let stop: (() => void) | undefined;
  let ticker: number | undefined;

  const status = h('section', { class: 'status', data: { kind: 'connecting' } });
  status.setAttribute('role', 'status');
  status.setAttribute('aria-live', 'polite');
  const summary = h('section', { class: 'card summary' });
  const timeline = h('section', { class: 'card timeline' });
  const token = tokenForm(() => restart());
  app.replaceChildren(header(token.form), status, summary, timeline);

  const render = (): void => {
    const now = Date.now();
    renderStatus(now);
    renderSummary(now);
    renderTimeline(now);
  };

  function renderStatus(now: number): void {
    status.dataset.kind = connection.kind;
    const retry = (label: string): HTMLButtonElement => {
      const button = h('button', { class: 'quiet' }, label);
      button.type = 'button';
      button.addEventListener('click', () => restart());
      return button;
    };
    const dot = h('span', { class: 'dot' });
    switch (connection.kind) {
      case 'connecting':
        status.replaceChildren(dot, 'Connecting to the gateway\u2026');
        break;
      case 'live':
        status.replaceChildren(dot, `Live: updates appear as the job changes. Last update ${clock(connection.at)}.`);
        break;
      case 'reconnecting': {
        const { attempt, delayMs, trouble } = connection.reconnect;
        const left = Math.max(0, Math.ceil((connection.since + delayMs - now) / 1000));
        status.replaceChildren(
          dot,
          `Connection lost: ${trouble}. ${left > 0 ? `Reconnecting in ${left} s` : 'Reconnecting'} (attempt ${attempt})\u2026 What is shown may be out of date.`,
        );
        break;
      }
      case 'trouble':
        status.replaceChildren(
          dot,
          `The gateway could not read the job at ${clock(connection.at)}: ${errorText(connection.errors)}. Still watching; it will try again.`,
        );
        break;
      case 'finished':
        status.replaceChildren(dot, 'Finished: the job has reached its final state, no more updates will come.');
        break;
      case 'stopped':
        status.replaceChildren(dot, `Not watching any more: ${connection.reason}. `, retry('Watch again'));
        break;
      case 'failed':
        status.replaceChildren(dot, `Cannot reach the gateway: ${connection.reason}. `, retry('Try again'));
        break;
    }
  }

  function renderSummary(now: number): void {
    if (!job) {
      summary.replaceChildren(h('h1', { class: 'placeholder' }, 'Job'), h('p', { class: 'muted mono' }, id));
      return;
    }
    const { state, terminal, durationMs, failed } = summarize(job, now);
    const resource = resourceOf(job);
    const created = timeOf(job.createdAt);
    const facts: [string, string][] = [
      ['Source', job.source],
      ['Job id', job.jobId],
      ...(resource ? ([['Resource', resource]] as [string, string][]) : []),
      ...(created !== undefined ? ([['Created', dateTime(created)]] as [string, string][]) : []),
      [terminal ? 'Took' : 'Running for', durationMs === undefined ? 'unknown (no times from the upstream)' : formatDuration(durationMs)],
      ...(job.progress !== null ? ([['Progress', `${Math.round(job.progress)} %`]] as [string, string][]) : []),
    ];
    const list = h('dl', { class: 'facts' });
    for (const [term, value] of facts) list.append(h('div', {}, h('dt', {}, term), h('dd', {}, value)));
    const children: Children = [h('h1', {}, labelOf(job), ' ', badge(job.state)), list];
    if (terminal) {
      const took = durationMs === undefined ? '' : ` after ${formatDuration(durationMs)}`;
      const outcome = h('div', { class: `outcome state-${state}`, data: { state } });
      outcome.append(h('strong', {}, `${STATE_WORDS[state] ?? state}${took}.`));
      if (failed.length > 0) {
        const steps = h('ul', { class: 'failed-steps' });
        for (const step of failed) {
          steps.append(
            h(
              'li',
              {},
              h('span', { class: 'step' }, labelOf(step)),
              ` ${step.state === 'CANCELLED' ? 'was cancelled' : 'failed'}`,
              step.message ? ': ' : '',
              step.message ? h('span', { class: 'message' }, step.message) : null,
            ),
          );
        }
        outcome.append(steps);
      }
      children.push(outcome);
    }
    summary.replaceChildren(...children.filter((c): c is Node => c instanceof Node));
    document.title = `${labelOf(job)} · ${STATE_WORDS[knownState(job.state)] ?? job.state} · job-gateway`;
  }

  function renderTimeline(now: number): void {
    if (!job) {
      timeline.replaceChildren(h('p', { class: 'muted' }, 'Waiting for the first update\u2026'));
      return;
    }
    const rows = flatten(job);
    const span = spanOf(rows, now);
    const axis = span ? axisOf(span, job.terminal) : undefined;
    const width = axis ? axis.end - axis.start : 1;
    const pct = (ms: number): number => Math.min(100, Math.max(0, (ms / width) * 100));

    const ticks = h('div', { class: 'ticks' });
    if (axis) {
      for (const f of [0, 0.25, 0.5, 0.75, 1]) {
        const tick = h('span', { class: 'tick' }, f === 0 ? clock(axis.start) : offsetLabel(width * f));
        tick.style.left = `${f * 100}%`;
        ticks.append(tick);
      }
    }
    const body = h(
      'div',
      { class: 'rows' },
      h(
        'div',
        { class: 'row axis' },
        h('div', { class: 'name' }, 'Step'),
        h('div', { class: 'state' }, 'State'),
        h('div', { class: 'track' }, ticks),
        h('div', { class: 'time' }, 'Duration'),
      ),
    );

    for (const { job: row, depth } of rows) {
      const state = knownState(row.state);
      const start = timeOf(row.createdAt);
      const end = endOf(row, now);
      const name = h(
        'div',
        { class: 'name' },
        h('span', { class: 'label' }, labelOf(row)),
        resourceOf(row) ? h('span', { class: 'resource' }, resourceOf(row) ?? '') : null,
      );
      name.style.paddingLeft = `${0.4 + depth * 1.25}rem`;
      const stateCell = h(
        'div',
        { class: 'state' },
        badge(row.state),
        row.progress !== null ? h('span', { class: 'pct' }, `${Math.round(row.progress)}%`) : null,
      );
      const track = h('div', { class: 'track' });
      if (axis && start !== undefined) {
        const bar = h('div', { class: 'bar' });
        bar.style.left = `${pct(start - axis.start)}%`;
        bar.style.width = `max(4px, ${pct((end ?? start) - start)}%)`;
        if (row.progress !== null && !row.terminal) {
          const fill = h('div', { class: 'fill' });
          fill.style.width = `${Math.min(100, Math.max(0, row.progress))}%`;
          bar.append(fill);
        }
        track.append(bar);
      } else {
        track.append(h('span', { class: 'no-times' }, 'no times from the upstream'));
      }
      const time = h('div', { class: 'time' }, start !== undefined && end !== undefined ? formatDuration(Math.max(0, end - start)) : '');
      const raw = `upstream status: ${row.rawStatus}${row.updatedAt ? `, last changed ${dateTime(timeOf(row.updatedAt) ?? 0)}` : ''}`;
      // The row is `display: contents` (its cells sit in the grid), so each cell carries the hover text.
      for (const cell of [name, stateCell, track, time]) cell.title = raw;
      const line = h(
        'div',
        { class: `row state-${state}${row.terminal ? '' : ' active'}`, data: { state, depth: String(depth) } },
        name,
        stateCell,
        track,
        time,
      );
      if (row.message) {
        const message = h('div', { class: `message${state === 'FAILED' || state === 'CANCELLED' ? ' bad' : ''}` }, row.message);
        message.style.paddingLeft = `${1.4 + depth * 1.25}rem`;
        line.append(message);
      }
      body.append(line);
    }
    timeline.replaceChildren(body);
  }

  function setTicking(on: boolean): void {
    if (on && ticker === undefined) ticker = window.setInterval(render, 1000);
    if (!on && ticker !== undefined) {
      window.clearInterval(ticker);
      ticker = undefined;
    }
  }

  function start(): void {
    connection = { kind: 'connecting' };
    let lastErrors: readonly GraphQLErrorShape[] | undefined;
    stop = watchJob(
      {
        url: GRAPHQL_URL,
        id,
        token: token.token,
        retryAttempts: Infinity,
        retryDelayMs,
      },
      {
        connected: () => {
          if (connection.kind === 'connecting' || connection.kind === 'reconnecting') connection = { kind: 'live', at: Date.now() };
          render();
        },
        next: (result) => {
          const next = result.data?.jobUpdated;
          if (next) {
            job = next;
            lastErrors = undefined;
            connection = next.terminal ? { kind: 'finished' } : { kind: 'live', at: Date.now() };
          } else if (result.errors?.length) {
            lastErrors = result.errors;
            connection = { kind: 'trouble', errors: result.errors, at: Date.now() };
          }
          setTicking(!job?.terminal);
          render();
        },
        complete: () => {
          if (!job?.terminal) {
            connection = { kind: 'stopped', reason: lastErrors ? errorText(lastErrors) : 'the gateway ended the subscription' };
          }
          setTicking(false);
          render();
        },
        fail: (reason) => {
          connection = { kind: 'failed', reason };
          setTicking(false);
          render();
        },
        reconnecting: (reconnect) => {
          connection = { kind: 'reconnecting', reconnect, since: Date.now() };
          setTicking(true);
          render();
        },
      },
    );
    setTicking(true);
    render();
  }

  function restart(): void {
    stop?.();
    start();
  }

  start();
}

function main(): void {
  const app = document.getElementById('app');
  if (!app) return;
  const match = /^\/jobs\/([^/]+)\/?$/.exec(location.pathname);
  let id: string | undefined;
  try {
    id = match?.[1] ? decodeURIComponent(match[1]) : undefined;
  } catch {
    id = undefined;
  }
  if (id) renderJobPage(app, id);
  else renderIndex(app);
}

main();
