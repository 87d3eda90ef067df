import { CrawlJobConfig } from '@promethean/shared/web/crawl-config';
import type { PageFetcher } from '@promethean/shared/web/page-fetcher';
import { describe, expect, it } from 'vitest';
import { CrawlConfigurationError, readCrawlEnv } from './crawl-env.ts';
import { HOST_LANE_WIDTH } from './crawl-job-core.ts';
import { DurableObjectCrawl } from './durable-object-crawl.ts';
import {
  HOST_OFFER_MS,
  HOST_QUEUE_HORIZON_MS,
  HostPolicyCore,
  type HostPolicySettings,
  MemoryHostRecords,
} from './host-policy.ts';

const config = CrawlJobConfig.parse({
  job_id: 'j1',
  provider: 'discord',
  tenant: 'duck',
  seeds: ['https://example.org/'],
  host_qps: 10,
});

/**
 * The crawl port over a fake env whose CrawlHost stub builds the policy from the settings it is sent, as
 * the CrawlHost object does, over one host record kept across calls and a fake clock.
 */
function portWith(vars: Record<string, unknown>) {
  let now = 1_000_000;
  const records = new MemoryHostRecords();
  // robots.txt answers 404: allow all, delay 1000 / host_qps = 100 ms.
  const fetcher = {
    fetch: async () => ({
      kind: 'skipped',
      reason: 'status',
      url: '',
      detail: '404',
      status: 404,
      attempts: 1,
    }),
  } as unknown as PageFetcher;
  const sent: HostPolicySettings[] = [];
  const policy = (s: HostPolicySettings) => {
    sent.push(s);
    return new HostPolicyCore(records, fetcher, s, () => now);
  };
  const job = {
    claim: async () => ({ kind: 'go', config, state: 'running' }),
    take: async () => 0,
    refund: async () => {},
  };
  const host = {
    robots: (o: string, h: string, s: HostPolicySettings) => policy(s).robots(o, h),
    permit: (u: string, h: string, s: HostPolicySettings) => policy(s).permit(u, h),
    release: (u: string, h: string, s: HostPolicySettings) => policy(s).release(u, h),
  };
  const ns = (stub: object) => ({ idFromName: (n: string) => n, get: () => stub });
  const env = { ...vars, CRAWL_JOBS: ns(job), CRAWL_HOSTS: ns(host) } as unknown as FunctionsEnv;
  return {
    port: new DurableObjectCrawl(env, 'discord', 'duck'),
    sent,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** Two items for one host back to back: what the second is told right after the first released. */
async function secondAsk(vars: Record<string, unknown>) {
  const { port, sent, advance } = portWith(vars);
  await port.claim('j1', 'k1');
  expect(await port.robots('j1', 'https://example.org', 'a')).toMatchObject({ kind: 'ready', delay_ms: 100 });
  advance(1_000);
  expect(await port.permit('j1', 'https://example.org/a', 'a')).toMatchObject({ kind: 'go' });
  advance(20);
  await port.release('j1', 'https://example.org/a', 'a');
  return { answer: await port.permit('j1', 'https://example.org/b', 'b'), sent };
}

describe('CRAWL_HOST_QUEUE', () => {
  it('reads on, off and empty (default off), and refuses anything else with a typed error naming the variable', () => {
    expect(readCrawlEnv({}).hostQueue).toBe(false);
    expect(readCrawlEnv({ CRAWL_HOST_QUEUE: '' }).hostQueue).toBe(false);
    expect(readCrawlEnv({ CRAWL_HOST_QUEUE: 'off' }).hostQueue).toBe(false);
    expect(readCrawlEnv({ CRAWL_HOST_QUEUE: ' On ' }).hostQueue).toBe(true);
    for (const bad of ['yes', 'true', 1, true]) {
      const call = () => readCrawlEnv({ CRAWL_HOST_QUEUE: bad }, { tenant: 'duck' });
      expect(call).toThrow(CrawlConfigurationError);
      expect(call).toThrow(/CRAWL_HOST_QUEUE .* must be on, off or empty \[tenant=duck\]/);
    }
  });

  it('on: the host policy gets the queue settings, and the next item is granted a start ahead', async () => {
    const { answer, sent } = await secondAsk({ CRAWL_HOST_QUEUE: 'on' });
    expect(
      sent.every((s) => s.queue_horizon_ms === HOST_QUEUE_HORIZON_MS && s.offer_ms === HOST_OFFER_MS),
    ).toBe(true);
    // The strict delay still counts from the release: 100 ms after it, not after the start.
    expect(answer).toEqual({ kind: 'go', delay_ms: 100, start_in_ms: 100 });
  });

  it('unset or off: no queue settings reach the host, and the next item is told to wait', async () => {
    for (const vars of [{}, { CRAWL_HOST_QUEUE: 'off' }]) {
      const { answer, sent } = await secondAsk(vars);
      expect(sent.length).toBeGreaterThan(0);
      expect(sent.every((s) => s.queue_horizon_ms === undefined && s.offer_ms === undefined)).toBe(true);
      expect(answer).toEqual({ kind: 'wait', wait_ms: 100 });
    }
  });

  it('a bad value fails the crawl step with CrawlConfigurationError, not the port itself', async () => {
    const { port } = portWith({ CRAWL_HOST_QUEUE: 'maybe' });
    await port.claim('j1', 'k1');
    await expect(port.permit('j1', 'https://example.org/a', 'a')).rejects.toThrow(CrawlConfigurationError);
  });
});

describe('CRAWL_HOST_TURNS', () => {
  it('reads on, off and empty (default off), and refuses anything else naming the variable', () => {
    expect(readCrawlEnv({}).hostTurns).toBe(false);
    expect(readCrawlEnv({ CRAWL_HOST_TURNS: '' }).hostTurns).toBe(false);
    expect(readCrawlEnv({ CRAWL_HOST_TURNS: 'off' }).hostTurns).toBe(false);
    expect(readCrawlEnv({ CRAWL_HOST_TURNS: ' ON ' }).hostTurns).toBe(true);
    for (const bad of ['yes', 1]) {
      expect(() => readCrawlEnv({ CRAWL_HOST_TURNS: bad })).toThrow(
        /CRAWL_HOST_TURNS .* must be on, off or empty/,
      );
    }
  });

  it('off: the port answers undefined, so the step asks for a permit as before', async () => {
    const { port } = portWith({});
    await port.claim('j1', 'k1');
    expect(await port.fetchInTurn('j1', { url: 'https://example.org/a' }, 'a')).toBeUndefined();
  });
});

describe('CRAWL_HOST_LANES', () => {
  it('empty is the default width, 0 turns lanes off, anything but a whole number 0..64 is refused', () => {
    expect(readCrawlEnv({}).hostLanes).toBe(HOST_LANE_WIDTH);
    expect(readCrawlEnv({ CRAWL_HOST_LANES: '' }).hostLanes).toBe(HOST_LANE_WIDTH);
    expect(readCrawlEnv({ CRAWL_HOST_LANES: ' 3 ' }).hostLanes).toBe(3);
    expect(readCrawlEnv({ CRAWL_HOST_LANES: '0' }).hostLanes).toBeUndefined();
    for (const bad of ['two', '-1', '1.5', '65']) {
      expect(() => readCrawlEnv({ CRAWL_HOST_LANES: bad })).toThrow(/CRAWL_HOST_LANES .* whole number/);
    }
  });
});
