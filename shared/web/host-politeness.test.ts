import { describe, expect, it } from 'vitest';
import {
  acquireHost,
  type GateAnswer,
  type HostGateOptions,
  type HostGateState,
  INITIAL_HOST_GATE,
  releaseHost,
  TokenBucket,
} from './host-politeness.ts';

const O: HostGateOptions = { delay_ms: 1000, rate: 1, lease_ms: 30_000 };
const Q: HostGateOptions = { delay_ms: 100, rate: 10, lease_ms: 5_000, queue_horizon_ms: 1500, offer_ms: 50 };

/** A gate driven by hand on a fake clock. */
class Gate {
  state: HostGateState = INITIAL_HOST_GATE;
  constructor(readonly o: HostGateOptions) {}
  ask(holder: string, now: number, future = true): GateAnswer {
    const [next, answer] = acquireHost(this.state, holder, now, this.o, future);
    this.state = next;
    return answer;
  }
  release(holder: string, now: number, reported?: { ended_at: number; held_ms: number }): void {
    this.state = releaseHost(this.state, holder, now, reported);
  }
}

describe('host gate', () => {
  it('counts the delay from the end the worker reported, not from the release a trip later', () => {
    const g = new Gate(O);
    g.ask('m1', 10_000);
    g.release('m1', 10_400, { ended_at: 10_370, held_ms: 370 });
    expect(g.ask('m2', 11_369).granted).toBe(false);
    expect(g.ask('m2', 11_370)).toEqual({ granted: true, start_in_ms: 0 });
  });
  it('never lets a reported end shorten the delay below what the gate knows', () => {
    // A worker clock behind the gate's: the end is kept at the grant plus the worker's own duration.
    const behind = new Gate(O);
    behind.ask('m1', 10_000);
    behind.release('m1', 10_400, { ended_at: 9_000, held_ms: 350 });
    expect(behind.ask('m2', 11_349).granted).toBe(false);
    expect(behind.ask('m2', 11_350).granted).toBe(true);
    // Ahead of it (a future end): the release's arrival.
    const ahead = new Gate(O);
    ahead.ask('m1', 10_000);
    ahead.release('m1', 10_400, { ended_at: 12_000, held_ms: 350 });
    expect(ahead.ask('m2', 11_399).granted).toBe(false);
    expect(ahead.ask('m2', 11_400).granted).toBe(true);
    // Garbled: the release's arrival.
    for (const bad of [
      { ended_at: Number.NaN, held_ms: 10 },
      { ended_at: 10_100, held_ms: -5 },
    ]) {
      const g = new Gate(O);
      g.ask('m1', 10_000);
      g.release('m1', 10_400, bad);
      expect(g.ask('m2', 11_399).granted).toBe(false);
    }
  });
  it('lets one request in at a time', () => {
    const g = new Gate(O);
    expect(g.ask('m1', 0)).toEqual({ granted: true, start_in_ms: 0 });
    expect(g.ask('m2', 5000).granted).toBe(false);
    g.release('m1', 5000);
    expect(g.ask('m2', 6000)).toEqual({ granted: true, start_in_ms: 0 });
  });
  it('counts the crawl delay from the end of the response, not from the grant', () => {
    const g = new Gate(O);
    g.ask('m1', 10_000);
    // The grant was at 10 000, but the (late-sent) response ended at 10 700.
    g.release('m1', 10_700);
    expect(g.ask('m2', 11_000)).toEqual({ granted: false, wait_ms: 700 });
    expect(g.ask('m2', 11_699).granted).toBe(false);
    expect(g.ask('m2', 11_700)).toEqual({ granted: true, start_in_ms: 0 });
  });
  it('takes back the slot of a holder that vanished', () => {
    const g = new Gate(O);
    g.ask('dead', 0);
    expect(g.ask('m2', 29_999).granted).toBe(false);
    expect(g.ask('m2', 30_000).granted).toBe(true);
  });
  it('never grants more than the rate over any window', () => {
    const g = new Gate({ delay_ms: 250, rate: 2, lease_ms: 1000 });
    const starts: number[] = [];
    for (let t = 0; t < 20_000; t += 37) {
      if (g.ask(`m${t}`, t).granted) {
        starts.push(t);
        g.release(`m${t}`, t);
      }
    }
    for (let i = 2; i < starts.length; i++)
      expect((starts[i] as number) - (starts[i - 2] as number)).toBeGreaterThanOrEqual(999);
  });
  it('without a queue grants only immediate starts and keeps no waiters', () => {
    const g = new Gate({ ...O, delay_ms: 100, rate: 10 });
    g.ask('m1', 0);
    g.release('m1', 10);
    expect(g.ask('m2', 50)).toEqual({ granted: false, wait_ms: 60 });
    expect(g.state.waiters).toBeUndefined();
  });
});

describe('host gate with a waiter queue', () => {
  it('tells each waiter its own turn, so each asks twice', () => {
    const g = new Gate(Q);
    expect(g.ask('m1', 0)).toEqual({ granted: true, start_in_ms: 0 });
    // Three askers while m1 is in flight: told turns one period apart, in order.
    expect(g.ask('m2', 5)).toEqual({ granted: false, wait_ms: 100 });
    expect(g.ask('m3', 6)).toEqual({ granted: false, wait_ms: 200 });
    expect(g.ask('m4', 7)).toEqual({ granted: false, wait_ms: 300 });
    g.release('m1', 20);
    // m2 comes back at its turn: the delay from m1's end is not over, so it gets a start 15 ms ahead.
    expect(g.ask('m2', 105)).toEqual({ granted: true, start_in_ms: 15 });
    // A newcomer while m3 and m4 wait goes behind them.
    expect(g.ask('m5', 110).granted).toBe(false);
    expect(g.state.waiters?.map((w) => w.holder)).toEqual(['m3', 'm4', 'm5']);
    g.release('m2', 140);
    expect(g.ask('m3', 205)).toEqual({ granted: true, start_in_ms: 35 });
    g.release('m3', 260);
    expect(g.ask('m4', 305)).toEqual({ granted: true, start_in_ms: 55 });
  });
  it('refuses a newcomer while the head waiter is offered the slot', () => {
    const g = new Gate(Q);
    g.ask('m1', 0);
    g.ask('m2', 5); // due at 105
    g.release('m1', 5);
    expect(g.ask('late', 106).granted).toBe(false);
    expect(g.ask('m2', 120).granted).toBe(true);
  });
  it('gives the turn of a waiter that does not come back to the next one', () => {
    const g = new Gate(Q);
    g.ask('m1', 0);
    g.ask('gone', 5); // due at 105, kept until 155
    g.ask('m3', 6); // due at 204
    g.release('m1', 10);
    expect(g.ask('m3', 150).granted).toBe(false);
    expect(g.ask('m3', 156)).toEqual({ granted: true, start_in_ms: 0 });
    expect(g.state.waiters).toEqual([]);
  });
  it('does not queue waiters beyond the horizon and grants no start beyond it', () => {
    const g = new Gate({ ...Q, delay_ms: 2000, rate: 0.5 });
    g.ask('m1', 0);
    g.release('m1', 10);
    expect(g.ask('m2', 20)).toEqual({ granted: false, wait_ms: 1990 });
    expect(g.state.waiters).toEqual([]);
  });
  it('grants robots.txt fetches only for now', () => {
    const g = new Gate(Q);
    g.ask('m1', 0);
    g.release('m1', 10);
    expect(g.ask('robots', 50, false)).toEqual({ granted: false, wait_ms: 60 });
    expect(g.ask('robots', 110, false)).toEqual({ granted: true, start_in_ms: 0 });
  });
  it('takes back a start granted ahead that was never used', () => {
    const g = new Gate(Q);
    g.ask('m1', 0);
    g.release('m1', 10);
    expect(g.ask('dies', 50)).toEqual({ granted: true, start_in_ms: 60 });
    expect(g.ask('m2', 5_109).granted).toBe(false);
    expect(g.ask('m2', 5_110)).toEqual({ granted: true, start_in_ms: 0 });
  });

  /**
   * Seeded: holders ask, sleep as told (and wake up to 30 ms late), send, take 1-60 ms, release up to
   * 40 ms late; with `deaths`, one holder in 25 dies holding its grant and one refused asker in 40 never
   * comes back.
   */
  function simulate(deaths: boolean, holders = 60, spread_ms = 2000, o: HostGateOptions = Q) {
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return Math.floor(seed / 65_536) % n;
    };
    const g = new Gate(o);
    type Ev = { at: number; holder: string; what: 'ask' | 'send' | 'end' | 'release' };
    const events: Ev[] = [];
    for (let i = 0; i < holders; i++) events.push({ at: rand(spread_ms), holder: `h${i}`, what: 'ask' });
    const sends: Array<{ at: number; end: number }> = [];
    const open = new Map<string, number>();
    let asks = 0;
    let granted = 0;
    let dead = 0;
    while (events.length > 0) {
      events.sort((x, y) => x.at - y.at);
      const ev = events.shift() as Ev;
      if (ev.what === 'ask') {
        asks++;
        const answer = g.ask(ev.holder, ev.at);
        const late = rand(30);
        if (answer.granted) {
          granted++;
          if (deaths && rand(25) === 0) dead++;
          else events.push({ at: ev.at + answer.start_in_ms + late, holder: ev.holder, what: 'send' });
        } else if (deaths && rand(40) === 0) dead++;
        else events.push({ at: ev.at + answer.wait_ms + late, holder: ev.holder, what: 'ask' });
      } else if (ev.what === 'send') {
        open.set(ev.holder, ev.at);
        events.push({ at: ev.at + 1 + rand(60), holder: ev.holder, what: 'end' });
      } else if (ev.what === 'end') {
        sends.push({ at: open.get(ev.holder) as number, end: ev.at });
        events.push({ at: ev.at + rand(40), holder: ev.holder, what: 'release' });
      } else {
        g.release(ev.holder, ev.at);
      }
    }
    sends.sort((x, y) => x.at - y.at);
    const gaps = sends.slice(1).map((s, i) => s.at - (sends[i] as { end: number }).end);
    return { sends: sends.length, granted, dead, asks, min_gap: Math.min(...gaps) };
  }

  it('keeps the delay from every response end to the next send (simulated)', () => {
    const r = simulate(false);
    expect(r.sends).toBe(60);
    expect(r.min_gap).toBeGreaterThanOrEqual(Q.delay_ms);
  });
  it('lets each queued waiter ask about twice (simulated)', () => {
    // Ten askers at once: all within the horizon, so all queue.
    const r = simulate(false, 10, 50);
    const unqueued = simulate(false, 10, 50, { ...Q, queue_horizon_ms: undefined });
    expect(r.sends).toBe(10);
    expect(r.min_gap).toBeGreaterThanOrEqual(Q.delay_ms);
    expect(r.asks / r.granted).toBeLessThanOrEqual(3);
    expect(unqueued.sends).toBe(10);
    expect(r.asks).toBeLessThan(unqueued.asks / 2);
  });
  it('serves every live holder when others die holding a grant or stop asking (simulated)', () => {
    const r = simulate(true);
    expect(r.dead).toBeGreaterThan(0);
    expect(r.sends + r.dead).toBe(60);
    expect(r.min_gap).toBeGreaterThanOrEqual(Q.delay_ms);
  });
});

describe('TokenBucket', () => {
  it('refills at its rate up to its burst', () => {
    const b = new TokenBucket(2, 2, { tokens: 2, updated_at: 0 });
    expect(b.take(0)).toBe(0);
    expect(b.take(0)).toBe(0);
    expect(b.take(0)).toBe(500);
    expect(b.take(500)).toBe(0);
  });
});
