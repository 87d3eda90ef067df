/**
 * The voice host's routes on this Worker (segment ingest, playback blob fetches) need its shared secret
 * as a bearer token; this Worker knows it as `VOICE_INGEST_SECRET` (read per request). Without one
 * configured the routes answer 503, so a host retries instead of dropping its segments.
 */
import { bearerMatches, secretFromEnv } from '@promethean/shared/platform/bearer-secret';
import type { MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';

export const voiceHostSecret = (): MiddlewareHandler<{ Bindings: FunctionsEnv }> =>
  async function voiceHostSecret(c, next) {
    const secret = secretFromEnv(c.env, 'VOICE_INGEST_SECRET');
    if (!secret)
      throw new HTTPException(503, {
        message: 'VOICE_INGEST_SECRET is not configured on promethean-functions',
      });
    if (!(await bearerMatches(c.req.header('authorization'), secret)))
      throw new HTTPException(401, { message: 'missing or wrong voice host secret' });
    await next();
  };
