import { seededRandom } from '@promethean/shared/broker/seeded-random';
import { describe, expect, it } from 'vitest';
import { FIXED_RTT_MARGIN_MS, GlobalLimiter, QUIET_SAMPLES_NEEDED } from './global-limiter.ts';
import { ManualClock } from './manual-clock.ts';

/** One leg of a round trip: a fixed part plus a queueing part that only ever adds. */
interface Leg {
  fixed: number;
  jitter: number;
}

interface Network {
  /** Send → Discord counts the request. */
  out: Leg;
  /** Counted → answer leaves Discord (the fake's "answer after N ms"). */
  handling: Leg;
  /** Answer leaves → we see it. */
  back: Leg;
}

/**
 * `total` requests through the limiter by `workers` concurrent senders over a simulated network;
 * answers where Discord counted each one and when the last answer came.
 */
async function simulate(
  network: Network,
  options: { perSecond?: number; total?: number; workers?: number; seed?: number; quiet?: number } = {},
): Promise<{ arrivals: number[]; lastAnswer: number; burstStart: number }> {
  const { perSecond = 50, total = 1_000, workers = 100, seed = 7, quiet = QUIET_SAMPLES_NEEDED } = options;
  const clock = new ManualClock(0);
  const limiter = new GlobalLimiter(perSecond, clock);
  const random = seededRandom(seed);
  const leg = (l: Leg) => l.fixed + random.next() * l.jitter;
  const arrivals: number[] = [];
  let next = 0;
  let lastAnswer = 0;
  const roundTrip = async (release: (answered?: boolean) => void) => {
    await clock.sleep(leg(network.out));
    arrivals.push(clock.now());
    await clock.sleep(leg(network.handling) + leg(network.back));
    release();
    lastAnswer = clock.now();
  };
  // Quiet requests first, one at a time, as a live object sees between bursts: the only kind it
  // learns the fixed part of the round trip from.
  for (let i = 0; i < quiet; i++) {
    next++;
    lastAnswer = 0;
    const warmUp = roundTrip(await limiter.acquire());
    while (lastAnswer === 0) await clock.advance(1);
    await warmUp;
  }
  const burstStart = clock.now();
  const worker = async () => {
    while (next < total) {
      next++;
      await roundTrip(await limiter.acquire());
    }
  };
  const all = Promise.all(Array.from({ length: workers }, worker));
  while (arrivals.length < total || clock.sleeping > 0) await clock.advance(1_000);
  await all;
  return { arrivals, lastAnswer, burstStart };
}

/** The most arrivals in any one-second window (Discord's window alignment is unknown to us). */
function busiestSecond(arrivals: readonly number[]): number {
  const sorted = [...arrivals].sort((a, b) => a - b);
  let most = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last++) {
    while (sorted[last]! - sorted[first]! >= 1_000) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

const steady = (answerAfterMs: number): Network => ({
  out: { fixed: 0.3, jitter: 0 },
  handling: { fixed: answerAfterMs, jitter: 0 },
  back: { fixed: 0.3, jitter: 0 },
});

describe('GlobalLimiter', () => {
  it('counts a request from its send until one second after its answer before any round trip is known', async () => {
    const clock = new ManualClock();
    const g = new GlobalLimiter(3, clock);
    const releases = [await g.acquire(), await g.acquire(), await g.acquire()];
    // All three still in flight: nothing else may go, whatever the time.
    await clock.advance(5_000);
    expect(g.waitMs()).toBeGreaterThan(0);
    for (const release of releases) release(false);
    expect(g.waitMs()).toBe(1_000);
    let fourth = false;
    const pending = g.acquire().then(() => {
      fourth = true;
    });
    await clock.advance(999);
    expect(fourth).toBe(false);
    await clock.advance(1);
    await pending;
    expect(fourth).toBe(true);
  });

  it('frees a slot one second after the send, plus the margin, when the latency is steady', async () => {
    const clock = new ManualClock();
    const g = new GlobalLimiter(1, clock);
    for (let i = 0; i < QUIET_SAMPLES_NEEDED; i++) {
      await clock.advance(g.waitMs());
      const release = await g.acquire();
      await clock.advance(150);
      release();
    }
    expect(g.fixedRttMs).toBe(150 - FIXED_RTT_MARGIN_MS);
    expect(g.waitMs()).toBe(1_000 + FIXED_RTT_MARGIN_MS - 150);
  });

  it('learns nothing from a burst: a round trip shared with other requests may hold their queueing', async () => {
    const clock = new ManualClock();
    const g = new GlobalLimiter(50, clock);
    const releases = [await g.acquire(), await g.acquire()];
    await clock.advance(10);
    for (const release of releases) release();
    expect(g.fixedRttMs).toBe(0);
    for (let i = 0; i < QUIET_SAMPLES_NEEDED; i++) {
      expect(g.fixedRttMs).toBe(0);
      const alone = await g.acquire();
      await clock.advance(12 + i);
      alone();
    }
    expect(g.fixedRttMs).toBe(12 - FIXED_RTT_MARGIN_MS);
  });

  it('keeps counting a request that failed without an answer for a full second after the failure', async () => {
    const clock = new ManualClock();
    const g = new GlobalLimiter(1, clock);
    (await g.acquire())();
    await clock.advance(2_000);
    const release = await g.acquire();
    await clock.advance(100);
    release(false);
    expect(g.waitMs()).toBe(1_000);
  });

  it('releases a slot once, however often its release is called', async () => {
    const clock = new ManualClock();
    const g = new GlobalLimiter(2, clock);
    const release = await g.acquire();
    release();
    release();
    expect(g.waitMs()).toBe(0);
  });

  it('serves waiting requests in the order they came, never letting a later one overtake', async () => {
    const clock = new ManualClock();
    const g = new GlobalLimiter(2, clock);
    (await g.acquire())(false);
    (await g.acquire())(false);
    const order: number[] = [];
    const served = (n: number) => (release: (answered?: boolean) => void) => {
      order.push(n);
      release(false);
    };
    const pending = [1, 2, 3, 4].map((n) => g.acquire().then(served(n)));
    await clock.advance(1_000);
    expect(order).toEqual([1, 2]);
    // A newcomer while others wait goes behind them.
    const late = g.acquire().then(served(5));
    await clock.advance(5_000);
    await Promise.all([...pending, late]);
    expect(order).toEqual([1, 2, 3, 4, 5]);
  });

  it('stops everything during a global 429', () => {
    const clock = new ManualClock();
    const g = new GlobalLimiter(50, clock);
    g.block(1_500);
    expect(g.waitMs()).toBe(1_500);
  });

  it('lets interaction requests past a full second and a global 429, taking no slot', async () => {
    const clock = new ManualClock();
    const g = new GlobalLimiter(2, clock);
    (await g.acquire())();
    (await g.acquire())();
    g.block(500);
    const exempt = await Promise.all(Array.from({ length: 100 }, () => g.acquireExempt()));
    for (const release of exempt) release();
    expect(clock.sleeping).toBe(0);
    expect(g.banWaitMs()).toBe(0);
    // The counted requests still wait for the 429 and their second, and no longer for the 100 beside them.
    expect(g.waitMs()).toBe(500);
    await clock.advance(1_000);
    expect(g.waitMs()).toBe(0);
  });

  it('holds interaction requests during a ban (per IP address), not during a global 429', async () => {
    const clock = new ManualClock();
    const g = new GlobalLimiter(50, clock);
    g.ban(60_000);
    expect(g.waitMs()).toBe(60_000);
    let sent = false;
    const pending = g.acquireExempt().then((release) => {
      sent = true;
      release();
    });
    await clock.advance(59_999);
    expect(sent).toBe(false);
    await clock.advance(1);
    await pending;
    expect(sent).toBe(true);
  });

  it('does not learn the fixed round trip from a request that had an interaction request beside it', async () => {
    const clock = new ManualClock();
    const g = new GlobalLimiter(50, clock);
    for (let i = 0; i < QUIET_SAMPLES_NEEDED; i++) {
      const exempt = await g.acquireExempt();
      const release = await g.acquire();
      await clock.advance(5);
      release();
      exempt();
    }
    expect(g.fixedRttMs).toBe(0);
  });

  // 1,000 requests at 50/s cannot take less than 19 s from the first send to the last.
  for (const latency of [5, 15, 50, 150]) {
    it(`reaches the limit with a steady ${latency} ms answer and never lets 51 arrive in one second`, async () => {
      const { arrivals, lastAnswer, burstStart } = await simulate(steady(latency));
      expect(busiestSecond(arrivals)).toBe(50);
      // The burst after the quiet requests runs at the limit; holding each slot for the whole round
      // trip would give 50 / (1 + latency): 43.5 per second at 150 ms.
      const rate = (1_000 - QUIET_SAMPLES_NEEDED) / ((lastAnswer - burstStart) / 1_000);
      expect(rate).toBeGreaterThan(49.5);
    });
  }

  for (const seed of [1, 2, 3]) {
    it(`stays within 50 per second when queueing varies every leg, with only one quiet round trip to learn from (seed ${seed})`, async () => {
      const network: Network = {
        out: { fixed: 10, jitter: 40 },
        handling: { fixed: 15, jitter: 60 },
        back: { fixed: 10, jitter: 40 },
      };
      const { arrivals, lastAnswer } = await simulate(network, { seed, quiet: 1 });
      expect(arrivals).toHaveLength(1_000);
      expect(busiestSecond(arrivals)).toBeLessThanOrEqual(50);
      // Too few quiet samples: the whole round trip counts, about 50 / (1 + mean RTT of 0.105 s).
      expect(1_000 / (lastAnswer / 1_000)).toBeGreaterThan(44);
    });
  }
});
