/** The voice host's shared secret (`VOICE_HOST_SECRET`), held only by the access Worker, read per request. */
import { secretFromEnv } from '@promethean/shared/platform/bearer-secret';

export { bearerMatches } from '@promethean/shared/platform/bearer-secret';

/** The configured secret, or undefined when this deployment has none (voice host routes then answer 503). */
export function voiceHostSecret(env: AccessEnv): string | undefined {
  return secretFromEnv(env, 'VOICE_HOST_SECRET');
}
