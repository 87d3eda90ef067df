import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

describe('functions Worker /health', () => {
  it('lists every agent from its manifest with its state', async () => {
    const res = await exports.default.fetch('http://functions.test/health');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = (await res.json()) as {
      worker: string;
      agents: Array<{ agent: string; state: string; kind: string }>;
    };
    expect(body.worker).toBe('promethean-functions');
    expect(body.agents.map((a) => a.agent)).toContain('message-indexer');
    for (const a of body.agents) {
      expect(['INIT', 'RUNNING', 'DEGRADED', 'PAUSED', 'STOPPED']).toContain(a.state);
      expect(a.kind).toBe('stateless-worker');
    }
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await exports.default.fetch('http://functions.test/nope');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'not_found' });
  });

  it('holds no provider credential in its environment', async () => {
    const { env } = await import('cloudflare:workers');
    const names = Object.keys(env as object);
    // The voice host's ingest secret is this Worker's own shared secret, not a provider credential.
    const own = new Set(['VOICE_INGEST_SECRET']);
    expect(names.filter((n) => /TOKEN|SECRET|PUBLIC_KEY|CREDENTIAL/i.test(n) && !own.has(n))).toEqual([]);
  });
});
