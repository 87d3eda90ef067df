import { describe, expect, it } from 'vitest';
import { type Fetch, StoreMoveClient, StoreMoveRequestError } from './store-move-client.ts';

/** The admin routes' answers for a move that backfills 100 documents in 4 steps, then drains its CDC lag. */
function scriptedRoutes(): { fetch: Fetch; calls: string[] } {
  const calls: string[] = [];
  let step = 0;
  const view = (backfilled: number, phase: string, lag: number, more?: boolean) => ({
    state: { id: 'm1', phase, goal: 'dual_write', backfilled, total: 100, cdc_applied: lag === 0 ? 7 : 0 },
    lag,
    progress: backfilled / 100,
    ...(more !== undefined && { more }),
  });
  const fetch: Fetch = async (url, init) => {
    calls.push(`${init?.method} ${url.replace('http://w/admin/migrations/echo/demo/store-move', '')}`);
    if ((init?.headers as Record<string, string> | undefined)?.authorization !== 'Bearer t') {
      return new Response('{"error":"unauthorized"}', { status: 401 });
    }
    if (url.endsWith('/step')) {
      step++;
      const body =
        step <= 4
          ? view(step * 25, step < 4 ? 'backfilling' : 'cdc', 3, true)
          : view(100, 'dual_write', 0, false);
      return Response.json(body);
    }
    return Response.json(view(0, 'prepared', 0));
  };
  return { fetch, calls };
}

describe('StoreMoveClient', () => {
  it('watch steps until the move has nothing left, printing bar, rate, ETA and lag per step', async () => {
    const { fetch, calls } = scriptedRoutes();
    const lines: string[] = [];
    let clock = 0;
    const client = new StoreMoveClient({
      url: 'http://w',
      token: 't',
      provider: 'echo',
      tenant: 'demo',
      fetch,
      print: (line) => lines.push(line),
      now: () => {
        clock += 500;
        return clock;
      },
    });
    const done = await client.watch();
    expect(done.state.phase).toBe('dual_write');
    expect(calls).toEqual(['GET ', ...Array.from({ length: 5 }, () => 'POST /step')]);
    expect(lines[0]).toBe(
      'm1 backfill [#####---------------] 25% 25/100 50.0/s ETA 1.5s phase backfilling lag 3 cdc 0',
    );
    expect(lines[4]).toMatch(/^m1 backfill \[#{20}\] 100% 100\/100 .* phase dual_write lag 0 cdc 7$/);
  });

  it('reports a refused call with the status and the route', async () => {
    const { fetch } = scriptedRoutes();
    const client = new StoreMoveClient({
      url: 'http://w',
      token: 'x',
      provider: 'echo',
      tenant: 'demo',
      fetch,
      print: () => {},
    });
    await expect(client.status()).rejects.toThrow(StoreMoveRequestError);
    await expect(client.action('rollback')).rejects.toThrow(/POST .*\/store-move\/rollback: 401/);
  });

  it('drives a re-embed through its own routes, counting its change-log copies as CDC', async () => {
    const calls: string[] = [];
    let step = 0;
    const fetch: Fetch = async (url, init) => {
      calls.push(
        `${init?.method} ${url.replace('http://w/admin/migrations/echo/demo', '')} ${init?.body ?? ''}`,
      );
      const cdc = { reembedded: 2, metadata_only: 1, deleted: 1 };
      if (url.endsWith('/step')) step++;
      return Response.json({
        state: {
          id: 'r1',
          phase: step < 2 ? 'backfilling' : 'cut_over',
          backfilled: step * 10,
          total: 20,
          cdc,
        },
        lag: 0,
        progress: 1,
        more: step < 2,
      });
    };
    const lines: string[] = [];
    const client = new StoreMoveClient({
      url: 'http://w',
      token: 't',
      provider: 'echo',
      tenant: 'demo',
      migration: 'reembed',
      fetch,
      print: (line) => lines.push(line),
    });
    await client.start({ id: 'r1', model: 'new-embed', dimension: 16, goal: 'cut_over' });
    const done = await client.watch();
    await client.action('rollback', { queue: true });
    expect(done.state.phase).toBe('cut_over');
    expect(calls).toEqual([
      'POST /reembed {"id":"r1","model":"new-embed","dimension":16,"goal":"cut_over"}',
      'GET /reembed ',
      'POST /reembed/step ',
      'POST /reembed/step ',
      'POST /reembed/rollback {"queue":true}',
    ]);
    expect(lines.at(-1)).toMatch(/^r1 backfill .* phase cut_over lag 0 cdc 4$/);
  });
});
