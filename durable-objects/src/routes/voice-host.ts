/**
 * The voice host's two routes (docs/voice.md): `GET /voice-host/connect?provider=&tenant=` upgrades to the
 * control WebSocket of the tenant's VoiceHostLink, `POST /voice-host/relay` carries an op 4 request. Both
 * need `Authorization: Bearer <VOICE_HOST_SECRET>`, checked here, where the secret lives. The functions
 * Worker proxies both paths to this Worker (it has the public URL).
 */
import { ProviderName, TenantName } from '@promethean/schemas/identifiers';
import { VoiceRelayRequest } from '@promethean/schemas/voice/voice-relay';
import { ProviderRegistry } from '@promethean/shared/platform/provider-registry';
import { Hono, type MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import providersYml from '../../../providers.yml';
import { bearerMatches, voiceHostSecret } from '../../voice/host-secret.ts';

export const voiceHost = new Hono<{ Bindings: AccessEnv }>();

const hostSecret = (): MiddlewareHandler<{ Bindings: AccessEnv }> =>
  async function hostSecret(c, next) {
    const secret = voiceHostSecret(c.env);
    if (!secret)
      throw new HTTPException(503, { message: 'VOICE_HOST_SECRET is not configured on promethean-access' });
    if (!(await bearerMatches(c.req.header('authorization'), secret)))
      throw new HTTPException(401, { message: 'missing or wrong voice host secret' });
    await next();
  };

/** The tenant a request names, when providers.yml has it with the discord adapter (the only one with voice). */
function voiceTenant(provider: unknown, tenant: unknown): { provider: string; tenant: string } {
  const p = ProviderName.safeParse(provider);
  const t = TenantName.safeParse(tenant);
  const known =
    p.success &&
    t.success &&
    ProviderRegistry.fromYaml(providersYml)
      .tenants(p.data)
      .some((v) => v.tenant === t.data && v.adapter === 'discord');
  if (!known)
    throw new HTTPException(404, {
      message: `no voice-capable tenant ${String(provider)}/${String(tenant)}`,
    });
  return { provider: p.data as string, tenant: t.data as string };
}

const link = (env: AccessEnv, scope: { provider: string; tenant: string }) =>
  env.VOICE_HOST_LINK.get(env.VOICE_HOST_LINK.idFromName(`${scope.provider}:${scope.tenant}`));

voiceHost.use('*', hostSecret());

voiceHost.get('/connect', async (c) => {
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket')
    throw new HTTPException(426, { message: 'the control connection is a WebSocket upgrade' });
  const scope = voiceTenant(c.req.query('provider') ?? 'discord', c.req.query('tenant'));
  const url = new URL('http://voice-host-link/connect');
  url.searchParams.set('provider', scope.provider);
  url.searchParams.set('tenant', scope.tenant);
  return link(c.env, scope).fetch(new Request(url, c.req.raw));
});

voiceHost.post('/relay', async (c) => {
  const body = VoiceRelayRequest.safeParse(await c.req.json().catch(() => null));
  if (!body.success) {
    const issues = body.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
    return c.json({ ok: false, reason: `invalid relay request: ${issues.join('; ')}` }, 400);
  }
  const scope = voiceTenant(body.data.provider, body.data.tenant);
  return c.json(await link(c.env, scope).relay(body.data));
});
