import { LatencySketch } from '@promethean/shared/ops/latency-sketch';
import type { LedgerSnapshot } from '@promethean/shared/ops/ledger-snapshot';
import type { StatusSnapshot } from '@promethean/shared/ops/status-snapshot';
import { CrawlJobConfig } from '@promethean/shared/web/crawl-config';
import { COUNTERS, type Counter } from '@promethean/shared/web/crawl-ledger';
import { describe, expect, it } from 'vitest';
import type { CrawlJobView } from './crawl-jobs-read.ts';
import { escapeHtml, html } from './html.ts';
import { niceCeiling } from './latency-charts.ts';
import { searchResults } from './search-section.ts';
import { statusPage, statusPanels } from './status-page.ts';
import type { StatusPageData, TenantPageData } from './status-page-data.ts';

const NOW = Date.UTC(2026, 10, 20, 10, 30);
const MINUTE = Math.floor(NOW / 60_000);
const EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>';

function ledger(overrides: Partial<LedgerSnapshot> = {}): LedgerSnapshot {
  return {
    generated_at: NOW,
    window_minutes: 5,
    agents: [],
    health: [],
    bus_health: [],
    queues: [],
    dead_letters: [],
    platform_ops: {
      by_worker: [],
      total: {
        worker_invocations: 0,
        queue_writes: 0,
        queue_reads: 0,
        durable_object_requests: 0,
        store_writes: 0,
        messages_processed: 0,
        embed_cache_hits: 0,
        embed_cache_misses: 0,
        dual_write_failed_documents: 0,
        dual_write_failed_vectors: 0,
      },
      per_message: null,
      embed_cache_hit_rate: null,
    },
    controls: [],
    series: [],
    ...overrides,
  };
}

function snapshot(overrides: Partial<StatusSnapshot> = {}): StatusSnapshot {
  return {
    generated_at: new Date(NOW).toISOString(),
    functions: { isolate: 'iso-1', health: [], in_flight: {}, rejected: {} },
    ledger: ledger(),
    access: { worker: 'promethean-access', isolate: 'iso-a', health: [], tenants: [] },
    ...overrides,
  };
}

function tenant(overrides: Partial<TenantPageData> = {}): TenantPageData {
  return {
    provider: 'echo',
    tenant: 'demo',
    display_name: 'Echo demo',
    documents_backend: 'sqlite',
    vectors_backend: 'chroma',
    messages: { ok: true, value: { total: 0, recent: [] } },
    voice: { ok: true, value: [] },
    dead_letters: { ok: true, value: { pending: 0, total: 0, letters: [] } },
    crawl: { ok: true, value: [] },
    ...overrides,
  };
}

describe('html', () => {
  it('escapes every interpolated string and keeps nested markup', () => {
    expect(escapeHtml(`<a href="x" title='y'>&\``)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&#96;',
    );
    expect(
      html`<p title="${'"><b>'}">${html`<i>${EVIL}</i>`}${[1, 'a<', undefined, false]}</p>`.toString(),
    ).toBe(
      '<p title="&quot;&gt;&lt;b&gt;"><i>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;</i>1a&lt;</p>',
    );
  });
});

describe('the status page', () => {
  it('shows clear empty states for an empty deployment', () => {
    const page = statusPanels({ snapshot: snapshot(), tenants: [tenant()] }, NOW).toString();
    expect(page).toContain('No messages stored for this tenant yet.');
    expect(page).toContain('No voice sessions yet.');
    expect(page).toContain('No dead letters.');
    expect(page).toContain('No web crawls yet');
    expect(page).toContain('The access layer reports nothing for this tenant.');
    expect(page).toContain('No queue traffic recorded yet.');
    expect(page).toContain('No agent has reported yet.');
    expect(page).toContain('No handler latency recorded in the last hour.');
    expect(statusPanels({ snapshot: snapshot(), tenants: [] }, NOW).toString()).toContain(
      'No tenants in providers.yml.',
    );
  });

  it('lists running migrations before finished ones with phase, progress, lag and escaped errors', () => {
    const base = {
      provider: 'echo',
      tenant: 'demo',
      kind: 'store-move' as const,
      from: 'sqlite',
      to: 'mongodb',
      goal: 'dual_write',
      paused: false,
      cdc_events: 9,
      cdc_applied: 8,
      errors: 0,
      started_at: NOW - 60_000,
    };
    const sketch = (values: number[]) => {
      const k = new LatencySketch();
      for (const v of values) k.record(v);
      return k.toJSON();
    };
    const migrations = [
      { ...base, id: 'done', phase: 'rolled_back', total: 10, copied: 10, lag: 0, updated_at: NOW },
      {
        ...base,
        kind: 'reembed' as const,
        id: 'r1',
        from: 'old-embed/8',
        to: 'new-embed/16',
        phase: 'cut_over',
        total: 10,
        copied: 10,
        lag: 0,
        latency: { embed_ms: sketch([12, 12, 12, 90]), chroma_upsert_ms: sketch([4]) },
        updated_at: NOW - 2_000,
      },
      {
        ...base,
        id: 'live',
        phase: 'backfilling',
        paused: true,
        total: 400,
        copied: 100,
        lag: 37,
        errors: 2,
        last_error: EVIL,
        updated_at: NOW - 1_000,
      },
    ];
    const page = statusPanels(
      { snapshot: snapshot({ ledger: ledger({ migrations }) }), tenants: [] },
      NOW,
    ).toString();
    const panel = page.slice(page.indexOf('id="migrations"'));
    expect(panel.indexOf('store-move/live')).toBeLessThan(panel.indexOf('store-move/done'));
    const live = panel.slice(
      panel.indexOf('store-move/live'),
      panel.indexOf('</tr>', panel.indexOf('store-move/live')),
    );
    expect(live).toContain('backfilling</span> <span class="state state-warn">PAUSED');
    expect(live).toContain('25%');
    expect(live).toContain('100 / 400');
    expect(live).toContain('<td class="num lag">37</td>');
    expect(live).toContain('&lt;script&gt;');
    expect(live).not.toContain(EVIL);
    const reembed = panel.slice(
      panel.indexOf('reembed/r1'),
      panel.indexOf('</tr>', panel.indexOf('reembed/r1')),
    );
    expect(reembed).toContain('old-embed/8 → new-embed/16');
    expect(reembed).toContain('embed p50 12 / p95 90 ms');
    expect(reembed).toContain('Chroma write p50 4 / p95 4 ms');
    expect(live).not.toContain('p50');
    expect(statusPanels({ snapshot: snapshot(), tenants: [] }, NOW).toString()).toContain(
      'No migration has reported.',
    );
  });

  it('names every part that could not be read and still renders the rest', () => {
    const data: StatusPageData = {
      snapshot: snapshot({
        ledger: null,
        ledger_error: 'the ops ledger did not answer within 3000 ms',
        access: null,
        access_error: 'boom',
      }),
      tenants: [tenant({ messages: { ok: false, error: 'TenantDocuments is unreachable' } })],
    };
    const page = statusPanels(data, NOW).toString();
    expect(page).toContain('Ops ledger: the ops ledger did not answer within 3000 ms');
    expect(page).toContain('Access layer: boom');
    expect(page).toContain('Messages could not be read: TenantDocuments is unreachable');
    expect(page).toContain('The ops ledger did not answer.');
    expect(page).toContain('id="tenants"');
  });

  it('escapes message text, author names, voice transcripts and dead-letter errors', () => {
    const data: StatusPageData = {
      snapshot: snapshot(),
      tenants: [
        tenant({
          messages: {
            ok: true,
            value: {
              total: 1,
              recent: [
                {
                  urn: 'urn:echo:message:demo:1',
                  foreign_id: '1',
                  channel_id: 'general',
                  author: { foreign_id: 'm', name: EVIL, bot: false },
                  content: EVIL,
                  created_at: '2026-11-20T10:00:00.000Z',
                  deleted: false,
                },
              ],
            },
          },
          voice: {
            ok: true,
            value: [
              {
                session_id: 's1',
                details: [['state.status', EVIL]],
                segment_count: 1,
                segments: [
                  {
                    id: 's1:u1-1000',
                    session_id: 's1',
                    user_id: 'u1',
                    ts_start: NOW - 2_000,
                    ts_end: NOW - 500,
                    transcript: { text: EVIL, confidence: 0.93, offline: true, latency_ms: 120 },
                    has_spectrogram: true,
                    reply: { reply_id: 'r1', text: EVIL },
                    speech_to_first_chunk_ms: 700,
                  },
                ],
              },
            ],
          },
        }),
      ],
    };
    const page = statusPage({ data, nonce: 'n0nce', nowMs: NOW }).toString();
    expect(page).not.toContain('<script>alert');
    expect(page).not.toContain('<img src=x');
    expect(page.match(/<script/g)).toHaveLength(1);
    expect(page).toContain('<script nonce="n0nce">');
    expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(page).toContain('[offline transcription]');
    expect(page).toContain('confidence 0.93 · STT 120 ms');
    expect(page).toContain('src="/status/voice/echo/demo/spectrogram?id=s1%3Au1-1000"');
  });

  it('draws a latency chart per agent and intent from the per-minute rows', () => {
    const point = (minute: number, p95: number) => ({
      minute,
      agent: 'message-indexer',
      intent: 'SocialMessageCreated',
      count: 3,
      errors: 0,
      p50_ms: p95 / 2,
      p95_ms: p95,
    });
    const series = [point(MINUTE - 3, 40), point(MINUTE - 2, 80), point(MINUTE, 20)];
    const page = statusPanels(
      { snapshot: snapshot({ ledger: ledger({ series }) }), tenants: [] },
      NOW,
    ).toString();
    expect(page).toContain('data-chart="message-indexer:SocialMessageCreated"');
    // Minute MINUTE-1 had no traffic: the p95 line breaks into two runs.
    expect(page.match(/<polyline class="p95"/g)).toHaveLength(2);
    expect(page.match(/<circle /g)).toHaveLength(3);
    expect(page).toContain('>100 ms</text>');
    expect(niceCeiling(0)).toBe(1);
    expect(niceCeiling(130)).toBe(200);
    expect(niceCeiling(4_800)).toBe(5_000);
  });

  it("shows each agent's delivery outcomes per intent, filtered and deferred included, escaping names", () => {
    const latency = { count: 0, sum_ms: 0, p50_ms: null, p95_ms: null, max_ms: 0 };
    const stats = (agent: string, intent: string, n: Partial<Record<string, number>>) => ({
      agent,
      intent,
      count: 0,
      errors: 0,
      retries: 0,
      dead_lettered: 0,
      deferred: 0,
      overloaded: 0,
      filtered: 0,
      latency,
      recent: { count: 0, errors: 0, latency },
      ...n,
    });
    const agents = [
      stats('message-indexer', 'SocialMessageCreated', { count: 12_345, retries: 2 }),
      stats('cephalon', 'SocialMessageCreated', { count: 40, filtered: 12_305, deferred: 3, overloaded: 1 }),
      stats(EVIL, 'SocialMessageCreated', { errors: 7 }),
    ];
    const page = statusPanels(
      { snapshot: snapshot({ ledger: ledger({ agents }) }), tenants: [] },
      NOW,
    ).toString();
    const row = (key: string) => page.split(`data-outcomes="${key}"`)[1]?.split('</tr>')[0] ?? '';
    const cells = (key: string) => [...row(key).matchAll(/<td class="num">([^<]*)<\/td>/g)].map((m) => m[1]);
    // handled, errors, retried, dead-lettered, deferred, overloaded, filtered
    expect(cells('cephalon:SocialMessageCreated')).toEqual(['40', '0', '0', '0', '3', '1', '12,305']);
    expect(cells('message-indexer:SocialMessageCreated')).toEqual(['12,345', '0', '2', '0', '0', '0', '0']);
    // Sorted by agent: cephalon before message-indexer.
    expect(page.indexOf('data-outcomes="cephalon')).toBeLessThan(
      page.indexOf('data-outcomes="message-indexer'),
    );
    expect(page).not.toContain(EVIL);
    expect(page).toContain(escapeHtml(EVIL));
    // Without ledger rows there is no outcome table.
    const empty = statusPanels({ snapshot: snapshot(), tenants: [] }, NOW).toString();
    expect(empty).not.toContain('Deliveries since the ledger began');
  });

  it('renders search results and failures in words, escaping the query', () => {
    const request = { provider: 'echo', tenant: 'demo', query: EVIL };
    const down = searchResults(request, {
      kind: 'unavailable',
      part: 'vector store',
      message: 'connect ECONNREFUSED',
    });
    expect(down.toString()).toContain(
      'Search is unavailable: the vector store did not answer (connect ECONNREFUSED)',
    );
    const none = searchResults(request, {
      kind: 'results',
      model: 'offline-embed',
      offline: true,
      hits: [],
    }).toString();
    expect(none).toContain('Offline mode');
    expect(none).not.toContain('<script>');
  });

  it('shows each crawl job with its figures, frontier and hosts, escaping what hosts and seeds say', () => {
    const counters = Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<Counter, number>;
    const config = CrawlJobConfig.parse({
      job_id: 'j1',
      provider: 'echo',
      tenant: 'demo',
      seeds: ['https://a.test/'],
    });
    const crawl: CrawlJobView[] = [
      {
        job: { job_id: 'j1', seeds: [`https://a.test/?q=${EVIL}`], started_at: new Date(NOW).toISOString() },
        status: {
          job_id: 'j1',
          provider: 'echo',
          tenant: 'demo',
          state: 'running',
          open: 4,
          done: 9,
          counters: {
            ...counters,
            pages: 7,
            fetched: 8,
            skipped_status: 1,
            unavailable: 2,
            robots_blocked: 3,
          },
          origins: ['https://a.test', 'https://b.test'],
          started_at: NOW,
          updated_at: NOW,
          config,
        },
        hosts: [
          {
            origin: 'https://a.test',
            robots_state: 'parsed',
            robots_status: 200,
            robots_expires_at: NOW + 86_400_000,
            crawl_delay_s: 0.5,
            in_flight: true,
            last_start: NOW,
          },
          {
            origin: `https://b.test/${EVIL}`,
            robots_state: 'unreachable',
            robots_status: 503,
            robots_expires_at: NOW + 600_000,
            crawl_delay_s: undefined,
            in_flight: false,
            last_start: undefined,
          },
        ],
        more_hosts: 0,
      },
      {
        job: { job_id: 'j0', seeds: [], started_at: new Date(NOW).toISOString() },
        status: undefined,
        hosts: [],
        more_hosts: 0,
      },
    ];
    const page = statusPanels(
      { snapshot: snapshot(), tenants: [tenant({ crawl: { ok: true, value: crawl } })] },
      NOW,
    ).toString();
    const job = page.slice(page.indexOf('data-job="j1"'), page.indexOf('data-job="j0"'));
    expect(job).toContain('<span class="state state-good">RUNNING</span>');
    expect(job).toContain('data-figure="pages">7<');
    expect(job).toContain('data-figure="fetched">8<');
    expect(job).toContain('data-figure="failed">3<');
    expect(job).toContain('data-figure="robots_blocked">3<');
    expect(job).toContain('data-figure="open">4<');
    expect(job).toContain('data-figure="done">9<');
    expect(job).toContain('request in flight');
    expect(job).toContain('0.5 s');
    expect(job).toContain('unreachable (503): all disallowed until 2026-11-20 10:40:00 UTC');
    expect(page).not.toContain('<script>');
    expect(page).toContain('its Durable Object holds no state');
    const down = statusPanels(
      { snapshot: snapshot(), tenants: [tenant({ crawl: { ok: false, error: 'CrawlJob is unreachable' } })] },
      NOW,
    ).toString();
    expect(down).toContain('Crawl jobs could not be read: CrawlJob is unreachable');
  });
});
