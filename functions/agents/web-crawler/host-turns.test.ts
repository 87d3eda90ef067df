/**
 * `HostPolicyCore.requestInTurn`: the host's owner makes the request in the host's turn. On a fake
 * clock (a sleep advances it), turns are served one at a time in arrival order, each request starts
 * a full crawl-delay after the previous response's end, the job's token is asked once per request,
 * and a turn that is too far off, or disallowed, makes no request.
 */
import type { FetchRequest, FetchResult, PageFetcher } from '@promethean/shared/web/page-fetcher';
import { describe, expect, it } from 'vitest';
import { HostPolicyCore, MemoryHostRecords, type RemoteJobGate } from './host-policy.ts';

const ROBOTS = 'User-agent: *\nDisallow: /private/\nCrawl-delay: 0.1\n';

/** A fake host on a fake clock: each response takes `took_ms`; robots.txt gives a 100 ms crawl-delay. */
function fakeHost(took_ms = 7) {
  let now = 1_000_000;
  const log: Array<{ url: string; start: number; end: number }> = [];
  const fetcher = {
    fetch: async (request: FetchRequest): Promise<FetchResult> => {
      const start = now;
      // Other work runs while the response is on its way (another turn may join the line).
      await Promise.resolve();
      now += took_ms;
      log.push({ url: request.url, start, end: now });
      const text = request.url.endsWith('/robots.txt') ? ROBOTS : 'page';
      return {
        kind: 'ok',
        status: 200,
        url: request.url,
        headers: {},
        elapsed_ms: took_ms,
        attempts: 1,
        media_type: 'text/plain',
        charset: 'utf-8',
        text,
        bytes: text.length,
        body: new TextEncoder().encode(text),
      };
    },
  } as unknown as PageFetcher;
  const core = new HostPolicyCore(
    new MemoryHostRecords(),
    fetcher,
    { user_agent: 'PrometheanBot', host_qps: 1, lease_ms: 60_000 },
    () => now,
  );
  const sleeps: number[] = [];
  const sleep = async (ms: number) => {
    sleeps.push(ms);
    await Promise.resolve();
    now += ms;
  };
  return { core, log, sleep, sleeps, advance: (ms: number) => (now += ms), now: () => now };
}

function countingGate(waits: number[] = []): RemoteJobGate & { taken: number; refunded: number } {
  const gate = {
    taken: 0,
    refunded: 0,
    take: async () => {
      gate.taken++;
      return waits.shift() ?? 0;
    },
    refund: async () => {
      gate.refunded++;
    },
  };
  return gate;
}

describe('requests made in the host turn', () => {
  it('serves turns one at a time in arrival order, each a full crawl-delay after the last response ended', async () => {
    const { core, log, sleep } = fakeHost();
    const job_gate = countingGate();
    await core.robots('https://example.org', 'r');
    const urls = ['/a', '/b', '/c', '/d'].map((p) => `https://example.org${p}`);
    const turns = await Promise.all(
      urls.map((url, i) => core.requestInTurn({ url }, `h${i}`, { job_gate, sleep, horizon_ms: 1500 })),
    );
    expect(turns.map((t) => t.kind)).toEqual(['fetched', 'fetched', 'fetched', 'fetched']);
    const pages = log.filter((r) => !r.url.endsWith('/robots.txt'));
    expect(pages.map((r) => r.url)).toEqual(urls);
    // robots.txt first (it takes the slot like any request), then each page 100 ms after the last end.
    expect(log[0]?.url).toBe('https://example.org/robots.txt');
    for (let i = 1; i < log.length; i++) {
      expect((log[i]?.start ?? 0) - (log[i - 1]?.end ?? 0)).toBe(100);
    }
    expect(job_gate.taken).toBe(4);
    expect(job_gate.refunded).toBe(0);
    // The slot was released when each response was read: the next request is due 100 ms after the last end.
    expect(core.nextStart('https://example.org')).toBe((log.at(-1)?.end ?? 0) + 100);
  });

  it('makes no request for a URL robots.txt disallows', async () => {
    const { core, log, sleep } = fakeHost();
    const job_gate = countingGate();
    const turn = await core.requestInTurn({ url: 'https://example.org/private/x' }, 'h', {
      job_gate,
      sleep,
      horizon_ms: 1500,
    });
    expect(turn).toMatchObject({ kind: 'disallowed' });
    expect(log.map((r) => r.url)).toEqual(['https://example.org/robots.txt']);
    expect(job_gate.taken).toBe(0);
  });

  it('tells a turn beyond the horizon to wait, and leaves the line when the job has no token for long', async () => {
    const { core, log, sleep } = fakeHost();
    const job_gate = countingGate();
    const opts = { job_gate, sleep, horizon_ms: 250 };
    await core.robots('https://example.org', 'r');
    // Three turns: /a is due in 100 ms, /b one period (107 ms) later, /c beyond the 250 ms horizon.
    const [a, b, c] = await Promise.all(
      ['/a', '/b', '/c'].map((p, i) => core.requestInTurn({ url: `https://example.org${p}` }, `h${i}`, opts)),
    );
    expect(a?.kind).toBe('fetched');
    expect(b?.kind).toBe('fetched');
    expect(c).toMatchObject({ kind: 'wait' });
    expect(log.some((r) => r.url.endsWith('/c'))).toBe(false);

    const paused = countingGate([60_000]);
    const held = await core.requestInTurn({ url: 'https://example.org/d' }, 'h4', {
      job_gate: paused,
      sleep,
      horizon_ms: 1500,
    });
    expect(held).toEqual({ kind: 'wait', wait_ms: 60_000 });
    expect(log.some((r) => r.url.endsWith('/d'))).toBe(false);
    // The line is free again: the next turn is served.
    const next = await core.requestInTurn({ url: 'https://example.org/e' }, 'h5', opts);
    expect(next.kind).toBe('fetched');
  });

  it('never sends while a worker holds the slot, and counts the delay from its release', async () => {
    const { core, log, advance, now } = fakeHost();
    await core.robots('https://example.org', 'r');
    advance(1000);
    // A worker on the permit path holds the slot (its request in flight).
    expect(await core.permit('https://example.org/w', 'worker')).toMatchObject({ kind: 'go' });
    let released: number | undefined;
    const turn = await core.requestInTurn({ url: 'https://example.org/t' }, 'turn', {
      sleep: async (ms) => {
        if (released === undefined) {
          // The worker's response ends 30 ms later and it releases the slot.
          advance(30);
          await core.release('https://example.org/w', 'worker');
          released = now();
        } else advance(ms);
      },
      horizon_ms: 1500,
    });
    expect(turn.kind).toBe('fetched');
    const t = log.find((r) => r.url.endsWith('/t'));
    expect(released).toBeDefined();
    expect((t?.start ?? 0) - (released ?? 0)).toBe(100);
  });

  it('counts a cut-short response (its body cancelled) as ending one more delay later, on either path', async () => {
    const { core, advance, now } = fakeHost();
    await core.robots('https://example.org', 'r');
    advance(1000);
    expect(await core.permit('https://example.org/big', 'w')).toMatchObject({ kind: 'go' });
    advance(30);
    await core.release('https://example.org/big', 'w', true);
    expect(core.nextStart('https://example.org')).toBe(now() + 200);
    advance(1000);
    expect(await core.permit('https://example.org/small', 'w2')).toMatchObject({ kind: 'go' });
    await core.release('https://example.org/small', 'w2');
    expect(core.nextStart('https://example.org')).toBe(now() + 100);
  });
});

describe('a permit whose job token is asked by the host', () => {
  it('asks the job for a token only when the host would grant, and grants with it', async () => {
    const { core, advance } = fakeHost();
    const job = countingGate();
    await core.robots('https://example.org', 'r');
    advance(1000);
    expect(await core.permitWithJob('https://example.org/a', 'w1', job)).toMatchObject({ kind: 'go' });
    expect(job.taken).toBe(1);
    // The slot is held: a second asker is refused by the host alone, with no token taken or given back.
    const refused = await core.permitWithJob('https://example.org/b', 'w2', job);
    expect(refused.kind).toBe('wait');
    expect(job).toMatchObject({ taken: 1, refunded: 0 });
    advance(30);
    await core.release('https://example.org/a', 'w1');
    advance(100);
    expect(await core.permitWithJob('https://example.org/b', 'w2', job)).toMatchObject({ kind: 'go' });
    expect(job).toMatchObject({ taken: 2, refunded: 0 });
  });

  it("leaves the host's slot free when the job has no token yet", async () => {
    const { core, advance } = fakeHost();
    const job = countingGate([250]);
    await core.robots('https://example.org', 'r');
    advance(1000);
    expect(await core.permitWithJob('https://example.org/a', 'w1', job)).toEqual({
      kind: 'wait',
      wait_ms: 250,
    });
    // Nothing was held for the refused asker: another asker (with a token) goes at once.
    expect(await core.permitWithJob('https://example.org/b', 'w2', job)).toMatchObject({ kind: 'go' });
    expect(job).toMatchObject({ taken: 2, refunded: 0 });
  });

  it('refuses a robots-disallowed URL without asking the job', async () => {
    const { core, advance } = fakeHost();
    const job = countingGate();
    await core.robots('https://example.org', 'r');
    advance(1000);
    expect((await core.permitWithJob('https://example.org/private/x', 'w1', job)).kind).toBe('disallowed');
    expect(job.taken).toBe(0);
  });

  it('gives the token back when the host was taken while the token was asked', async () => {
    const { core, advance } = fakeHost();
    await core.robots('https://example.org', 'r');
    advance(1000);
    let taken = 0;
    let refunded = 0;
    const job: RemoteJobGate = {
      take: async () => {
        taken++;
        // Another asker (the permit path with its own token) gets the slot meanwhile.
        if (taken === 1) await core.permit('https://example.org/other', 'w0');
        return 0;
      },
      refund: async () => {
        refunded++;
      },
    };
    expect((await core.permitWithJob('https://example.org/a', 'w1', job)).kind).toBe('wait');
    expect({ taken, refunded }).toEqual({ taken: 1, refunded: 1 });
  });
});
