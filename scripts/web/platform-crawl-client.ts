import { localAdminToken, NO_ADMIN_TOKEN } from '../dev/local-admin-token.ts';

export interface PlatformJobStatus {
  job_id: string;
  state: 'running' | 'paused' | 'cancelled' | 'done';
  open: number;
  done: number;
  counters: Record<string, number>;
  started_at: number;
  updated_at: number;
}

export class PlatformCrawlError extends Error {
  override readonly name = 'PlatformCrawlError';
}

/** ADMIN_TOKEN for the platform crawl routes (scripts/dev/local-admin-token.ts). */
export function adminToken(root: string, stateDir: string): string {
  const token = localAdminToken(root, stateDir);
  if (token === undefined) throw new PlatformCrawlError(NO_ADMIN_TOKEN);
  return token;
}

/** Whether the functions Worker answers at `url` (the dev stack or a deployment). */
export async function stackAnswers(url: string, fetcher: typeof fetch = fetch): Promise<boolean> {
  try {
    const r = await fetcher(`${url}/health`, { signal: AbortSignal.timeout(1500) });
    await r.body?.cancel();
    return r.status < 500;
  } catch {
    return false;
  }
}

export interface PlatformClient {
  url: string;
  token: string;
  fetch?: typeof fetch;
}

async function call(c: PlatformClient, path: string, method = 'GET', body?: unknown): Promise<unknown> {
  const r = await (c.fetch ?? fetch)(`${c.url}/admin/crawl/${path}`, {
    method,
    headers: { authorization: `Bearer ${c.token}`, 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await r.text();
  if (!r.ok) throw new PlatformCrawlError(`${method} /admin/crawl/${path}: ${r.status} ${text}`);
  return JSON.parse(text);
}

export async function startPlatformJob(
  c: PlatformClient,
  scope: { provider: string; tenant: string },
  job: Record<string, unknown>,
): Promise<string> {
  const answer = (await call(c, `${scope.provider}/${scope.tenant}`, 'POST', job)) as { job_id: string };
  return answer.job_id;
}

export function platformJobAction(
  c: PlatformClient,
  scope: { provider: string; tenant: string },
  job_id: string,
  action: 'pause' | 'resume' | 'cancel' | 'status',
): Promise<PlatformJobStatus> {
  const path = `${scope.provider}/${scope.tenant}/${job_id}`;
  return (
    action === 'status' ? call(c, path) : call(c, `${path}/${action}`, 'POST')
  ) as Promise<PlatformJobStatus>;
}

export function progressLine(s: PlatformJobStatus): string {
  const n = (k: string) => s.counters[k] ?? 0;
  const skipped =
    n('skipped_content_type') + n('skipped_binary') + n('skipped_too_large') + n('skipped_status');
  return `  ${s.state}  pages ${n('pages')}  fetched ${n('fetched')}  robots-blocked ${n('robots_blocked')}  skipped ${skipped}  open ${s.open}  done ${s.done}`;
}

/** Follows a job until it is done or cancelled (or `max_wait_ms` passes), printing a line per change. */
export async function watchPlatformJob(
  c: PlatformClient,
  scope: { provider: string; tenant: string },
  job_id: string,
  say: (line: string) => void,
  o: { poll_ms?: number; max_wait_ms?: number; sleep?: (ms: number) => Promise<void> } = {},
): Promise<PlatformJobStatus> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = Date.now() + (o.max_wait_ms ?? Number.POSITIVE_INFINITY);
  let last = '';
  for (;;) {
    const s = await platformJobAction(c, scope, job_id, 'status');
    const line = progressLine(s);
    if (line !== last) say(line);
    last = line;
    if (s.state === 'done' || s.state === 'cancelled' || Date.now() > deadline) return s;
    await sleep(o.poll_ms ?? 1000);
  }
}
