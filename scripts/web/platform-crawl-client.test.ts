/** The platform side of `npm run crawl` against a local HTTP server speaking the admin crawl routes. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  platformJobAction,
  stackAnswers,
  startPlatformJob,
  watchPlatformJob,
} from './platform-crawl-client.ts';

const TOKEN = 'test-admin-token';
let server: Server;
let url: string;
const seen: string[] = [];
let polls = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/health') return json(200, { ok: true });
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(401, { error: 'unauthorized' });
    if (req.method === 'POST' && req.url === '/admin/crawl/echo/demo') return json(202, { job_id: 'j1' });
    if (req.url === '/admin/crawl/echo/demo/j1') {
      polls++;
      const state = polls < 3 ? 'running' : 'done';
      return json(200, { job_id: 'j1', state, open: 3 - polls, done: polls, counters: { pages: polls * 2 } });
    }
    if (req.url === '/admin/crawl/echo/demo/j1/pause')
      return json(200, { job_id: 'j1', state: 'paused', open: 1, done: 2, counters: {} });
    return json(404, { error: 'not found' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});

describe('platform crawl client', () => {
  it('finds the stack, starts a job and follows it to the end', async () => {
    expect(await stackAnswers(url)).toBe(true);
    expect(await stackAnswers('http://127.0.0.1:1')).toBe(false);
    const c = { url, token: TOKEN };
    const scope = { provider: 'echo', tenant: 'demo' };
    expect(await startPlatformJob(c, scope, { seeds: ['https://example.com/'] })).toBe('j1');
    const lines: string[] = [];
    const final = await watchPlatformJob(c, scope, 'j1', (l) => lines.push(l), { sleep: async () => {} });
    expect(final.state).toBe('done');
    expect(lines).toEqual([
      '  running  pages 2  fetched 0  robots-blocked 0  skipped 0  open 2  done 1',
      '  running  pages 4  fetched 0  robots-blocked 0  skipped 0  open 1  done 2',
      '  done  pages 6  fetched 0  robots-blocked 0  skipped 0  open 0  done 3',
    ]);
    expect((await platformJobAction(c, scope, 'j1', 'pause')).state).toBe('paused');
    await expect(platformJobAction({ url, token: 'wrong' }, scope, 'j1', 'cancel')).rejects.toThrow(/401/);
    expect(seen).toContain('POST /admin/crawl/echo/demo/j1/pause');
  });
});
