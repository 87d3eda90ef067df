import { describe, expect, it } from 'vitest';
import { metricFamilies } from './metrics-families.ts';
import { renderPrometheus } from './prometheus-text.ts';
import type { StatusSnapshot } from './status-snapshot.ts';

const snapshot: StatusSnapshot = {
  generated_at: '2026-11-20T10:00:00.000Z',
  functions: { isolate: 'i', health: [], in_flight: {}, rejected: {} },
  ledger: null,
  ledger_error: 'the ops ledger did not answer within 3000 ms',
  access: {
    worker: 'promethean-access',
    isolate: 'a',
    health: [],
    tenants: [
      {
        provider: 'discord',
        tenant: 'duck',
        rest: {
          token_disabled: null,
          budget: { invalid_in_window: 3, budget: 500, window_s: 600, breaker_open: false, reopens_in_ms: 0 },
          buckets: [
            {
              id: 'POST /channels/{channel_id}/messages:"7"',
              limit: 5,
              remaining: 0,
              reset_in_ms: 900,
              waiting: 2,
            },
          ],
          sent: 12,
          rate_limited: 1,
        },
        realtime: [
          {
            shard: 0,
            status: 'ready',
            desired: 'running',
            connected: true,
            ping_ms: 41,
            seq: 9,
            last_ack_at: 1,
            published: 30,
            connections: 1,
          },
        ],
      },
      { provider: 'echo', tenant: 'demo', rest: null, realtime: [] },
    ],
  },
};

describe('metric families from a status snapshot', () => {
  it('report REST budgets and buckets and gateway state per tenant, escaping odd bucket ids', () => {
    const text = renderPrometheus(metricFamilies(snapshot));
    expect(text).toContain('promethean_status_source_up{source="ledger"} 0');
    expect(text).toContain('promethean_rest_invalid_requests{provider="discord",tenant="duck"} 3');
    expect(text).toContain('promethean_rest_invalid_request_budget{provider="discord",tenant="duck"} 500');
    expect(text).toContain('promethean_rest_buckets_exhausted{provider="discord",tenant="duck"} 1');
    expect(text).toContain(
      'promethean_rest_bucket_remaining{provider="discord",tenant="duck",bucket="POST /channels/{channel_id}/messages:\\"7\\""} 0',
    );
    expect(text).toContain('promethean_gateway_connected{provider="discord",tenant="duck",shard="0"} 1');
    expect(text).toContain('promethean_gateway_ping_ms{provider="discord",tenant="duck",shard="0"} 41');
    expect(text).toContain(
      'promethean_gateway_status{provider="discord",tenant="duck",shard="0",status="ready"} 1',
    );
    expect(text).not.toContain('tenant="demo"');
  });

  it('declare every family even when its source did not answer', () => {
    const names = metricFamilies(snapshot).map((f) => f.name);
    expect(names).toContain('promethean_agent_latency_ms');
    expect(names).toContain('promethean_queue_depth');
    expect(names).toContain('promethean_dead_letters');
    expect(new Set(names).size).toBe(names.length);
  });
});
