import { jsonOnError } from '@promethean/shared/platform/json-http-errors';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { loadShedding } from './load-shedding.ts';

/** A route that holds every request until the test opens the gate, and says when one has entered. */
function heldApp(options: Parameters<typeof loadShedding>[0]) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  let count = 0;
  const arrivals: Array<() => void> = [];
  const app = new Hono();
  app.use('*', loadShedding(options));
  app.get('/work', async (c) => {
    count++;
    for (const a of arrivals.splice(0)) a();
    await gate;
    return c.json({ ok: true });
  });
  app.post('/interactions', (c) => c.json({ type: 1 }));
  app.onError(jsonOnError);
  /** Resolves once `n` requests are inside the handler. */
  const inside = (n: number) =>
    new Promise<void>((resolve) => {
      const check = () => (count >= n ? resolve() : arrivals.push(check));
      check();
    });
  return { app, open, inside };
}

const from = (ip: string) => ({ headers: { 'cf-connecting-ip': ip } });

describe('loadShedding', () => {
  it('answers 503 with Retry-After at once when the isolate is saturated, without waiting for held work', async () => {
    const { app, open, inside } = heldApp({ maxInFlight: 2, maxInFlightPerClient: 5 });
    const held = [app.request('/work', from('1.1.1.1')), app.request('/work', from('2.2.2.2'))];
    await inside(2);
    const refused = await app.request('/work', from('3.3.3.3')); // returns while both are still held
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(((await refused.json()) as { message: string }).message).toMatch(/saturated/);
    open();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200]);
    expect((await app.request('/work', from('3.3.3.3'))).status).toBe(200);
  });

  it('answers 429 with Retry-After when one client has too many requests in flight', async () => {
    const shed: string[] = [];
    const { app, open, inside } = heldApp({
      maxInFlight: 10,
      maxInFlightPerClient: 1,
      onShed: (kind) => shed.push(kind),
    });
    const held = app.request('/work', from('9.9.9.9'));
    await inside(1);
    const refused = await app.request('/work', from('9.9.9.9'));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const other = app.request('/work', from('8.8.8.8'));
    await inside(2);
    open();
    expect((await held).status).toBe(200);
    expect((await other).status).toBe(200);
    expect(shed).toEqual(['client_limit']);
  });

  it('never counts or refuses an exempt path such as the interactions webhook', async () => {
    const { app, open, inside } = heldApp({
      maxInFlight: 1,
      maxInFlightPerClient: 1,
      exempt: ['/interactions'],
    });
    const held = app.request('/work', from('1.1.1.1'));
    await inside(1);
    const webhook = await app.request('/interactions', { method: 'POST', ...from('1.1.1.1') });
    expect(webhook.status).toBe(200);
    open();
    await held;
  });

  it('refuses nonsense limits when the factory runs', () => {
    expect(() => loadShedding({ maxInFlight: 0, maxInFlightPerClient: 1 })).toThrow(/maxInFlight/);
    expect(() => loadShedding({ maxInFlight: 1, maxInFlightPerClient: 1.5 })).toThrow(/maxInFlightPerClient/);
  });
});
