/**
 * Development-only access to a Discord tenant's VoiceHostLink: ask the voice host to join or leave (what
 * `/voice join|leave` does through the bus) and read the link's status. Benchmarks and the end-to-end run
 * of the voice host use it; `PROMETHEAN_ENV=development` only.
 */
import { ForeignId } from '@promethean/schemas/identifiers';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { z } from 'zod';

export const devVoice = new Hono<{ Bindings: AccessEnv }>();

const JoinBody = z.object({
  session_id: z.string().min(1).optional(),
  guild_id: ForeignId,
  channel_id: ForeignId,
  self_mute: z.boolean().default(false),
  self_deaf: z.boolean().default(false),
});
const LeaveBody = z.object({ session_id: z.string().min(1).optional(), guild_id: ForeignId });

const link = (env: AccessEnv, tenant: string) =>
  env.VOICE_HOST_LINK.get(env.VOICE_HOST_LINK.idFromName(`discord:${tenant}`));

async function body<T extends z.ZodType>(schema: T, request: Request): Promise<z.infer<T>> {
  const parsed = schema.safeParse(await request.json().catch(() => null));
  if (!parsed.success) {
    throw new HTTPException(400, {
      message: `invalid body: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    });
  }
  return parsed.data;
}

/** The session id /voice join would use: one per provider, tenant and guild. */
const sessionId = (tenant: string, guild: string) => `discord-${tenant}-${guild}`;

devVoice.post('/join', async (c) => {
  const tenant = c.req.param('tenant')!;
  const b = await body(JoinBody, c.req.raw);
  const payload = { ...b, session_id: b.session_id ?? sessionId(tenant, b.guild_id) };
  const result = await link(c.env, tenant).control(
    { provider: 'discord', tenant },
    { action: 'join', payload },
  );
  return c.json({ ...result, session_id: payload.session_id });
});

devVoice.post('/leave', async (c) => {
  const tenant = c.req.param('tenant')!;
  const b = await body(LeaveBody, c.req.raw);
  const payload = { guild_id: b.guild_id, session_id: b.session_id ?? sessionId(tenant, b.guild_id) };
  const result = await link(c.env, tenant).control(
    { provider: 'discord', tenant },
    { action: 'leave', payload },
  );
  return c.json({ ...result, session_id: payload.session_id });
});

devVoice.get('/', async (c) => c.json(await link(c.env, c.req.param('tenant')!).status()));
