/**
 * The dead-letter CLI's work, apart from the process: parse arguments, call the functions Worker's
 * admin routes through a given `fetch`, and render tables. No Node APIs here, so the same code runs in
 * the workerd tests against the real Worker.
 */
import { type LetterScope, parseScope } from '../../shared/ops/dead-letter-records.ts';

export const DLQ_USAGE = `usage: npm run dlq -- <command> --tenant <provider>/<tenant>|unknown [options]
  list    [--reason R] [--agent A] [--since ISO-TIME] [--limit N]   letters, newest first
  show    --id ID                                                   one letter with its body
  replay  --id ID                                                   re-send it once to the queue it came from
  purge   --id ID | --reason R | --agent A | --since ISO-TIME | --all
common:   --url URL (default http://127.0.0.1:8787)  --json (raw answers)
ADMIN_TOKEN comes from the environment, .dev.vars, or the dev stack's keys.`;

export const DLQ_COMMANDS = ['list', 'show', 'replay', 'purge'] as const;
export type DlqCommand = (typeof DLQ_COMMANDS)[number];

export interface DlqArgs {
  command: DlqCommand;
  scope: LetterScope;
  id?: string;
  reason?: string;
  agent?: string;
  since?: string;
  limit?: number;
  all: boolean;
  json: boolean;
}

/** A mistake in the command line: printed with the usage, exit code 2. */
export class DlqUsageError extends Error {
  override readonly name = 'DlqUsageError';
}

/** The Worker answered with an error (or not at all): printed as is, exit code 1. */
export class DlqRequestError extends Error {
  override readonly name = 'DlqRequestError';
}

export interface RawOptions {
  tenant?: string;
  id?: string;
  reason?: string;
  agent?: string;
  since?: string;
  limit?: string;
  all?: boolean;
  json?: boolean;
}

/** Checks the command line; every problem becomes a `DlqUsageError` that says what to change. */
export function parseDlqArgs(command: string | undefined, o: RawOptions): DlqArgs {
  if (!command || !(DLQ_COMMANDS as readonly string[]).includes(command)) {
    throw new DlqUsageError(command ? `unknown command "${command}"` : 'a command is required');
  }
  if (!o.tenant) throw new DlqUsageError('--tenant <provider>/<tenant> is required (or --tenant unknown)');
  let scope: LetterScope;
  try {
    scope = parseScope(o.tenant);
  } catch (e) {
    throw new DlqUsageError((e as Error).message);
  }
  if ((command === 'show' || command === 'replay') && !o.id) throw new DlqUsageError(`${command} needs --id`);
  if (o.since !== undefined && Number.isNaN(Date.parse(o.since))) {
    throw new DlqUsageError(`--since must be an ISO time like 2026-11-20T10:00:00Z, got "${o.since}"`);
  }
  const limit = o.limit === undefined ? undefined : Number(o.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= 500)) {
    throw new DlqUsageError(`--limit must be 1..500, got "${o.limit}"`);
  }
  if (command === 'purge') {
    const chosen = [o.id, o.reason, o.agent, o.since].filter((v) => v !== undefined).length + (o.all ? 1 : 0);
    if (chosen === 0)
      throw new DlqUsageError('purge needs --id, a filter (--reason/--agent/--since) or --all');
    if (o.all && chosen > 1) throw new DlqUsageError('--all cannot be combined with --id or a filter');
    if (o.id && chosen > 1) throw new DlqUsageError('--id cannot be combined with a filter');
  }
  return {
    command: command as DlqCommand,
    scope,
    ...(o.id !== undefined && { id: o.id }),
    ...(o.reason !== undefined && { reason: o.reason }),
    ...(o.agent !== undefined && { agent: o.agent }),
    ...(o.since !== undefined && { since: new Date(o.since).toISOString() }),
    ...(limit !== undefined && { limit }),
    all: o.all ?? false,
    json: o.json ?? false,
  };
}

/** Left-aligned columns, one header row, widths from the widest cell. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

interface LetterSummary {
  id: string;
  dead_lettered_at: string;
  reason: string;
  target?: string;
  intent: string | null;
  attempts: number;
  replayed_at: string | null;
  error: string;
}

function listText(
  body: { letters: LetterSummary[]; depth: { pending: number; total: number } },
  s: LetterScope,
) {
  const head = `${s.provider}/${s.tenant}: ${body.depth.pending} waiting, ${body.depth.total} held (showing ${body.letters.length})`;
  if (body.letters.length === 0) return `${head}\nno dead letters match`;
  const rows = body.letters.map((l) => [
    l.id,
    l.dead_lettered_at,
    l.reason,
    l.target ?? '-',
    l.intent ?? '-',
    String(l.attempts),
    l.replayed_at ?? 'no',
    l.error.length > 60 ? `${l.error.slice(0, 57)}...` : l.error,
  ]);
  return `${head}\n${table(['ID', 'DEAD-LETTERED AT', 'REASON', 'AGENT', 'INTENT', 'ATTEMPTS', 'REPLAYED', 'ERROR'], rows)}`;
}

function showText(letter: Record<string, unknown>): string {
  const { body, ...fields } = letter;
  const rows = Object.entries(fields).map(([k, v]) => [k, v === null ? '-' : String(v)]);
  return `${table(['FIELD', 'VALUE'], rows)}\n\nbody:\n${JSON.stringify(body, null, 2)}`;
}

function replayText(r: Record<string, unknown>): string {
  if (r.status === 'already_replayed')
    return `${r.id} was already replayed at ${r.replayed_at}; nothing sent`;
  return `replayed ${r.id} to ${r.queue} (envelope ${r.envelope_id}${r.target ? `, agent ${r.target}` : ''}) at ${r.replayed_at}`;
}

function purgeText(r: { purged: number; depth: { pending: number; total: number } }, s: LetterScope): string {
  return `purged ${r.purged} letter${r.purged === 1 ? '' : 's'} from ${s.provider}/${s.tenant}; ${r.depth.total} held, ${r.depth.pending} waiting`;
}

/** The request a command makes. */
export function dlqRequest(args: DlqArgs): { method: string; path: string; body?: unknown } {
  const base = `/admin/dead-letters/${args.scope.provider}/${args.scope.tenant}`;
  const id = encodeURIComponent(args.id ?? '');
  switch (args.command) {
    case 'list': {
      const q = new URLSearchParams();
      for (const k of ['reason', 'agent', 'since'] as const) if (args[k] !== undefined) q.set(k, args[k]!);
      if (args.limit !== undefined) q.set('limit', String(args.limit));
      const query = q.toString();
      return { method: 'GET', path: query ? `${base}?${query}` : base };
    }
    case 'show':
      return { method: 'GET', path: `${base}/${id}` };
    case 'replay':
      return { method: 'POST', path: `${base}/${id}/replay` };
    case 'purge':
      if (args.id !== undefined) return { method: 'DELETE', path: `${base}/${id}` };
      return {
        method: 'POST',
        path: `${base}/purge`,
        body: args.all
          ? { all: true }
          : {
              ...(args.reason !== undefined && { reason: args.reason }),
              ...(args.agent !== undefined && { agent: args.agent }),
              ...(args.since !== undefined && { since: args.since }),
            },
      };
  }
}

/** Runs a command against the Worker at `url`; returns what to print. */
export async function runDlq(
  args: DlqArgs,
  o: { url: string; token: string; fetch: (url: string, init: RequestInit) => Promise<Response> },
): Promise<string> {
  const r = dlqRequest(args);
  const url = `${o.url.replace(/\/$/, '')}${r.path}`;
  let res: Response;
  try {
    res = await o.fetch(url, {
      method: r.method,
      headers: {
        authorization: `Bearer ${o.token}`,
        ...(r.body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(r.body !== undefined && { body: JSON.stringify(r.body) }),
    });
  } catch (e) {
    throw new DlqRequestError(
      `could not reach ${url}: ${(e as Error).message} (is the dev stack running, or --url right?)`,
    );
  }
  const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
  if (!res.ok) {
    const why = typeof body?.message === 'string' ? body.message : res.statusText;
    throw new DlqRequestError(`${args.command} failed: HTTP ${res.status}: ${why}`);
  }
  if (args.json) return JSON.stringify(body, null, 2);
  switch (args.command) {
    case 'list':
      return listText(body as Parameters<typeof listText>[0], args.scope);
    case 'show':
      return showText(body ?? {});
    case 'replay':
      return replayText(body ?? {});
    case 'purge':
      return purgeText(body as Parameters<typeof purgeText>[0], args.scope);
  }
}
