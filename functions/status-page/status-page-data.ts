/**
 * Everything the status page shows, gathered in one pass: the status snapshot (`gatherStatus()`), and per
 * tenant in providers.yml its recent messages, voice sessions, dead letters and web crawls. Each part is bounded in time
 * and a part that fails is reported in words, so the page renders whatever is down.
 */
import type { DocumentStore } from '@promethean/shared/effects/document-store';
import type { EffectPorts } from '@promethean/shared/effects/effect-ports';
import { within } from '@promethean/shared/ops/bounded-wait';
import type { LetterSummary } from '@promethean/shared/ops/dead-letter-records';
import type { StatusSnapshot } from '@promethean/shared/ops/status-snapshot';
import type { TenantView } from '@promethean/shared/platform/provider-registry';
import { type MessageView, messageView } from '../agents/message-indexer/message-document.ts';
import { functionsOps } from '../ops/functions-ops.ts';
import { deadLetterArchive, ledgerPort } from '../ops/ops-bindings.ts';
import { gatherStatus, STATUS_PART_TIMEOUT_MS } from '../ops/status-source.ts';
import { createFunctionsRuntime } from '../src/runtime-dependencies.ts';
import { type CrawlJobView, readCrawlJobs } from './crawl-jobs-read.ts';
import { readVoiceSessions, type VoiceSessionView } from './voice-sessions.ts';

/** Messages shown per tenant, and dead letters listed per tenant. */
export const RECENT_MESSAGES_SHOWN = 10;
export const DEAD_LETTERS_SHOWN = 5;

/** A part of the page: its value, or why it could not be read. */
export type Part<T> = { ok: true; value: T } | { ok: false; error: string };

export interface TenantPageData {
  provider: string;
  tenant: string;
  display_name: string | undefined;
  documents_backend: string;
  vectors_backend: string;
  messages: Part<{ total: number; recent: MessageView[] }>;
  voice: Part<VoiceSessionView[]>;
  dead_letters: Part<{ pending: number; total: number; letters: LetterSummary[] }>;
  /** The newest web crawl jobs (functions/status-page/crawl-jobs-read.ts). */
  crawl: Part<CrawlJobView[]>;
}

export interface StatusPageData {
  snapshot: StatusSnapshot;
  tenants: TenantPageData[];
}

async function part<T>(what: string, work: () => Promise<T>, timeoutMs: number): Promise<Part<T>> {
  try {
    const value = await within(
      Promise.resolve().then(work),
      timeoutMs,
      () => new Error(`${what} did not answer within ${timeoutMs} ms`),
    );
    return { ok: true, value };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

function requireDocuments(ports: EffectPorts): DocumentStore {
  if (!ports.documents) throw new Error('this tenant has no document store configured');
  return ports.documents;
}

async function recentMessages(documents: DocumentStore) {
  const [total, docs] = await Promise.all([
    documents.count('messages'),
    documents.find('messages', {}, { limit: RECENT_MESSAGES_SHOWN }),
  ]);
  return { total, recent: docs.map(messageView) };
}

async function tenantData(
  env: FunctionsEnv,
  view: TenantView,
  ports: EffectPorts,
  timeoutMs: number,
): Promise<TenantPageData> {
  const scope = { provider: view.provider, tenant: view.tenant };
  const [messages, voice, deadLetters, crawl] = await Promise.all([
    part('the document store', () => recentMessages(requireDocuments(ports)), timeoutMs),
    part('the document store', () => readVoiceSessions(requireDocuments(ports)), timeoutMs),
    part(
      'the dead-letter archive',
      async () => {
        const listed = await deadLetterArchive(env, scope).list({ limit: DEAD_LETTERS_SHOWN });
        return { ...listed.depth, letters: listed.letters as LetterSummary[] };
      },
      timeoutMs,
    ),
    part('the crawl jobs', () => readCrawlJobs(env, scope, requireDocuments(ports)), timeoutMs),
  ]);
  return {
    ...scope,
    display_name: view.config.display_name,
    documents_backend: view.config.storage.documents,
    vectors_backend: view.config.storage.vectors,
    messages,
    voice,
    dead_letters: deadLetters,
    crawl,
  };
}

/** The registry's tenants with their ports (ports are built per request, never cached). */
export function tenantsWithPorts(env: FunctionsEnv): Array<{ view: TenantView; ports: EffectPorts }> {
  const { deps } = createFunctionsRuntime(env);
  return deps.registry.tenants().map((view) => ({
    view,
    ports: typeof deps.ports === 'function' ? deps.ports(view) : deps.ports,
  }));
}

/** One tenant's view and ports, or undefined when providers.yml has no such tenant. */
export function tenantWithPorts(
  env: FunctionsEnv,
  provider: string,
  tenant: string,
): { view: TenantView; ports: EffectPorts } | undefined {
  const { deps } = createFunctionsRuntime(env);
  const view = deps.registry.tenants().find((t) => t.provider === provider && t.tenant === tenant);
  if (!view) return undefined;
  return { view, ports: typeof deps.ports === 'function' ? deps.ports(view) : deps.ports };
}

/** Gathers the whole page. Never throws. */
export async function gatherStatusPage(
  env: FunctionsEnv,
  timeoutMs = STATUS_PART_TIMEOUT_MS,
): Promise<StatusPageData> {
  const ops = functionsOps();
  // This isolate's latest counts belong in the page, as in /admin/status; a failed flush keeps them.
  await within(ops.flush(ledgerPort(env)), timeoutMs, () => new Error('flush timed out')).catch(() => false);
  const [snapshot, tenants] = await Promise.all([
    gatherStatus(env, ops, timeoutMs),
    Promise.all(tenantsWithPorts(env).map((t) => tenantData(env, t.view, t.ports, timeoutMs))),
  ]);
  return { snapshot, tenants };
}
