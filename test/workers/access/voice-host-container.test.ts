/**
 * The voice host container's configuration inside workerd: the access Worker still starts with the
 * `[[containers]]` entry (containers are off under wrangler dev and the test pool), a development
 * deployment keeps the host a Node process, and the environment a container gets reaches the functions
 * Worker's public origin with the shared secret.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import {
  containerHostEnabled,
  VoiceHostContainerConfigError,
  voiceHostEnvVars,
} from '../../../durable-objects/objects/voice-host-container.ts';
import { VOICE_HOST_TEST_SECRET } from './voice-host-test-secret.ts';

const accessEnv = env as unknown as AccessEnv;

describe('VoiceHostContainer configuration', () => {
  it('is bound, and off in development: the host stays a Node process', () => {
    expect(typeof accessEnv.VOICE_HOST_CONTAINER.idFromName).toBe('function');
    expect(containerHostEnabled(accessEnv)).toBe(false);
    expect(containerHostEnabled({ ...accessEnv, VOICE_HOST_MODE: 'container' } as unknown as AccessEnv)).toBe(
      true,
    );
  });

  it("gives the container every URL on the functions Worker's origin and the shared secret", () => {
    const vars = voiceHostEnvVars(
      { ...accessEnv, FUNCTIONS_PUBLIC_URL: 'https://functions.example' } as unknown as AccessEnv,
      'discord',
      'duck',
    );
    expect(vars).toEqual({
      VOICE_HOST_SECRET: VOICE_HOST_TEST_SECRET,
      VOICE_HOST_ID: 'container-discord-duck',
      CONTROL_HOST: '0.0.0.0',
      CONTROL_PORT: '8790',
      ACCESS_CONTROL_URL: 'wss://functions.example/voice-host/connect?provider=discord&tenant=duck',
      ACCESS_RELAY_URL: 'https://functions.example/voice-host/relay',
      SEGMENT_INGEST_URL: 'https://functions.example/voice/segments',
      PLAYBACK_FETCH_ORIGINS: 'https://functions.example',
    });
  });

  it('refuses to start without an https origin or without the secret', () => {
    expect(() => voiceHostEnvVars(accessEnv, 'discord', 'duck')).toThrow(VoiceHostContainerConfigError);
    expect(() =>
      voiceHostEnvVars(
        {
          ...accessEnv,
          FUNCTIONS_PUBLIC_URL: 'https://functions.example',
          VOICE_HOST_SECRET: '',
        } as unknown as AccessEnv,
        'discord',
        'duck',
      ),
    ).toThrow(/VOICE_HOST_SECRET/);
  });
});
