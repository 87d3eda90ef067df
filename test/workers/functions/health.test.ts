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
    // The voice host's ingest secret and the playback URL signing key are this Worker's own, not a provider's.
    const own = new Set(['VOICE_INGEST_SECRET', 'VOICE_PLAYBACK_SECRET']);
    expect(names.filter((n) => /TOKEN|SECRET|PUBLIC_KEY|CREDENTIAL/i.test(n) && !own.has(n))).toEqual([]);
  });
});

describe('functions Worker startup refusal', () => {
  it('refuses every request, naming the binding, when a provider credential is bound to it', async () => {
    const { env } = await import('cloudflare:workers');
    const { app } = await import('../../../functions/src/http-app.ts');
    // Built at run time, the way the static guards cannot see: the runtime check still does.
    const sneaky = ['DUCK_DISCORD_BOT_' + 'TOKEN', 'duck_discord_bot_' + 'token', 'GOOSE_CLIENT_' + 'SECRET'];
    for (const name of sneaky) {
      const res = await app.request('/health', {}, { ...env, [name]: 'value-never-echoed' } as FunctionsEnv);
      expect(res.status).toBe(500);
      const body = (await res.json()) as { error: string; message: string };
      expect(body.error).toBe('misconfigured_deployment');
      expect(body.message).toContain(name);
      expect(body.message).not.toContain('value-never-echoed');
    }
  });

  it('refuses an ADMIN_TOKEN shorter than 32 characters', async () => {
    const { env } = await import('cloudflare:workers');
    const { app } = await import('../../../functions/src/http-app.ts');
    const res = await app.request('/interactions/discord/duck', { method: 'POST' }, {
      ...env,
      ADMIN_TOKEN: 'short-admin-token',
    } as FunctionsEnv);
    expect(res.status).toBe(500);
    expect(await res.text()).toMatch(/ADMIN_TOKEN is 17 characters; use at least 32/);
  });
});
