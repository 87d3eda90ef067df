/**
 * VoiceHostContainer: one voice host container per provider and tenant (Cloudflare Containers, the image
 * built from voice-host/Dockerfile). The tenant's VoiceHostLink starts it when a voice session is
 * requested and no host is connected, and keeps it alive while sessions are wanted; with none wanted it
 * sleeps after `sleepAfter`. Health-checked on the host's `GET /health`. The container dials back to the
 * functions Worker's public URL (control connection, relay, segment ingest, playback fetches) with the
 * shared secret it is given at start; its UDP to Discord's voice servers needs internet egress.
 * Locally (`npm run dev`, tests) no container runs: the host is a Node process and this class is unused.
 */
import { Container } from '@cloudflare/containers';
import { componentTelemetry } from '@promethean/shared/agent/telemetry';
import { voiceHostSecret } from '../voice/host-secret.ts';

const log = componentTelemetry('voice-host-container');

/** The control API port inside the image (voice-host/Dockerfile: CONTROL_PORT). */
export const VOICE_HOST_PORT = 8790;

/** Why the container could not be started (missing configuration); the link keeps the session queued. */
export class VoiceHostContainerConfigError extends Error {
  override readonly name = 'VoiceHostContainerConfigError';
  constructor(
    message: string,
    readonly tenant: string,
  ) {
    super(`${message} [tenant=${tenant}]`);
  }
}

/** Whether this deployment runs the voice host as a container (var `VOICE_HOST_MODE=container`). */
export function containerHostEnabled(env: AccessEnv): boolean {
  return (env as { VOICE_HOST_MODE?: string }).VOICE_HOST_MODE === 'container';
}

/** The host's environment for one tenant: every URL on the functions Worker, the secret passed in. */
export function voiceHostEnvVars(env: AccessEnv, provider: string, tenant: string): Record<string, string> {
  const secret = voiceHostSecret(env);
  if (secret === undefined) throw new VoiceHostContainerConfigError('VOICE_HOST_SECRET is not set', tenant);
  const base = (env as { FUNCTIONS_PUBLIC_URL?: string }).FUNCTIONS_PUBLIC_URL ?? '';
  if (!/^https:\/\/[^/]+$/.test(base)) {
    throw new VoiceHostContainerConfigError('FUNCTIONS_PUBLIC_URL must be an https:// origin', tenant);
  }
  const query = new URLSearchParams({ provider, tenant });
  return {
    VOICE_HOST_SECRET: secret,
    VOICE_HOST_ID: `container-${provider}-${tenant}`,
    CONTROL_HOST: '0.0.0.0',
    CONTROL_PORT: String(VOICE_HOST_PORT),
    ACCESS_CONTROL_URL: `${base.replace(/^https/, 'wss')}/voice-host/connect?${query}`,
    ACCESS_RELAY_URL: `${base}/voice-host/relay`,
    SEGMENT_INGEST_URL: `${base}/voice/segments`,
    PLAYBACK_FETCH_ORIGINS: base,
  };
}

export class VoiceHostContainer extends Container<AccessEnv> {
  override defaultPort = VOICE_HOST_PORT;
  /** Renewed by the link on every host health report while sessions are wanted (every 10 s). */
  override sleepAfter = '10m';
  /** Discord voice is UDP to voice servers anywhere: the container needs general egress. */
  override enableInternet = true;
  /** Readiness: the host's own health route (any answer means the control API is up). */
  override pingEndpoint = 'localhost/health';

  /** Starts the host for `provider:tenant` if it is not running, and waits until its port answers. */
  async ensureRunning(scope: { provider: string; tenant: string }): Promise<{ started: boolean }> {
    const state = await this.getState();
    if (state.status === 'running' || state.status === 'healthy') {
      this.renewActivityTimeout();
      return { started: false };
    }
    await this.startAndWaitForPorts({
      startOptions: { envVars: voiceHostEnvVars(this.env, scope.provider, scope.tenant) },
      ports: VOICE_HOST_PORT,
    });
    return { started: true };
  }

  /** Sessions are still wanted: push the idle stop further out. */
  keepAlive(): void {
    this.renewActivityTimeout();
  }

  override onStop(params: { exitCode: number; reason: string }): void {
    // The host's exit codes (voice-host/README.md) say why; the link reconnects a restarted host.
    log.info('voice host container stopped', { ...params });
  }

  override onError(error: unknown): unknown {
    log.error('voice host container error', { error: String(error) });
    throw error;
  }
}
