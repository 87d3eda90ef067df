/** The voice host's configuration from environment variables, validated with zod (see README.md). */
import { hostname } from 'node:os';
import { insecureTransportProblem } from '@promethean/shared/net/transport-security';
import { z } from 'zod';
import { VadConfig } from '../vad/vad-config.ts';

const int = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);
const num = (def: number, min: number, max: number) => z.coerce.number().min(min).max(max).default(def);
const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');
/** A URL that carries the host's secret or audio: TLS, except on loopback (local development). */
const securedUrl = (secure: 'https' | 'wss') =>
  z
    .string()
    .superRefine((raw, ctx) => {
      const problem = insecureTransportProblem(raw, secure);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional();
const list = z
  .string()
  .default('')
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  );

/** The environment variables, by name. */
const Env = z.object({
  VOICE_HOST_SECRET: z
    .string({
      error: 'VOICE_HOST_SECRET is required (the shared secret for the control API, relay and ingest)',
    })
    .min(16, 'VOICE_HOST_SECRET must be at least 16 characters'),
  VOICE_HOST_ID: z.string().min(1).default(hostname()),
  CONTROL_HOST: z.string().min(1).default('127.0.0.1'),
  CONTROL_PORT: int(8790, 0, 65_535),
  ACCESS_CONTROL_URL: securedUrl('wss'),
  ACCESS_RELAY_URL: securedUrl('https'),
  SEGMENT_INGEST_URL: securedUrl('https'),
  EGRESS_SHARED_SECRET: z.string().min(16, 'EGRESS_SHARED_SECRET must be at least 16 characters').optional(),
  PLAYBACK_FETCH_ORIGINS: list.superRefine((origins, ctx) => {
    for (const origin of origins) {
      const problem = insecureTransportProblem(origin, 'https');
      if (problem) ctx.addIssue({ code: 'custom', message: `${origin} ${problem}` });
    }
  }),
  PLAYBACK_MAX_BYTES: int(16 * 1024 * 1024, 1, 256 * 1024 * 1024),
  INTERRUPT_MODE: z.enum(['stop', 'duck']).default('stop'),
  DUCK_GAIN: num(0.25, 0, 1),
  PLAYBACK_GAP_TIMEOUT_MS: int(3_000, 100, 60_000),
  PACKET_QUEUE_CAPACITY: int(1_000, 8, 1_000_000),
  SEGMENT_QUEUE_CAPACITY: int(32, 1, 10_000),
  REORDER_DEPTH: int(3, 0, 50),
  REORDER_MAX_WAIT_MS: int(60, 0, 1_000),
  MAX_GAP_FILL_MS: int(1_000, 20, 10_000),
  INGEST_TIMEOUT_MS: int(10_000, 100, 120_000),
  INGEST_MAX_ATTEMPTS: int(5, 1, 20),
  INGEST_RETRY_BASE_MS: int(250, 1, 60_000),
  TICK_MS: int(10, 1, 1_000),
  HEALTH_INTERVAL_MS: int(10_000, 100, 3_600_000),
  DEGRADED_WINDOW_MS: int(30_000, 100, 3_600_000),
  WATCHDOG_STALL_MS: int(10_000, 100, 3_600_000),
  WATCHDOG_CHECK_MS: int(1_000, 10, 60_000),
  CONTROL_GRACE_MS: int(30_000, 100, 3_600_000),
  CONTROL_RECONNECT_MAX_MS: int(5_000, 10, 600_000),
  CONTROL_PING_MS: int(15_000, 10, 600_000),
  VAD_START_DB: z.coerce.number().optional(),
  VAD_STOP_DB: z.coerce.number().optional(),
  VAD_HANGOVER_MS: z.coerce.number().optional(),
  VAD_MIN_SPEECH_MS: z.coerce.number().optional(),
  VAD_MAX_SEGMENT_MS: z.coerce.number().optional(),
  VAD_PRE_ROLL_MS: z.coerce.number().optional(),
  VAD_POST_ROLL_MS: z.coerce.number().optional(),
  VAD_ADAPTIVE: bool(true),
  VAD_NOISE_MARGIN_DB: z.coerce.number().optional(),
  DAVE_ENCRYPTION: bool(true),
});

/** The validated configuration. */
export interface HostConfig {
  readonly secret: string;
  readonly hostId: string;
  readonly control: { readonly host: string; readonly port: number };
  readonly access: { readonly controlUrl?: string; readonly relayUrl?: string };
  readonly ingest: {
    readonly url?: string;
    readonly timeoutMs: number;
    readonly maxAttempts: number;
    readonly retryBaseMs: number;
  };
  readonly egressSecret?: string;
  readonly playback: {
    readonly fetchOrigins: readonly string[];
    readonly maxBytes: number;
    readonly interruptMode: 'stop' | 'duck';
    readonly duckGain: number;
    readonly gapTimeoutMs: number;
  };
  readonly receive: {
    readonly packetQueueCapacity: number;
    readonly segmentQueueCapacity: number;
    readonly reorderDepth: number;
    readonly reorderMaxWaitMs: number;
    readonly maxGapFillMs: number;
  };
  readonly vad: VadConfig;
  readonly tickMs: number;
  readonly health: { readonly intervalMs: number; readonly degradedWindowMs: number };
  readonly watchdog: { readonly stallMs: number; readonly checkMs: number; readonly controlGraceMs: number };
  readonly controlReconnectMaxMs: number;
  readonly controlPingMs: number;
  readonly daveEncryption: boolean;
}

/** Invalid configuration: names every problem at once, never echoes a value. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid voice host configuration: ${problems.join('; ')}`);
  }
}

function issues(error: z.ZodError): string[] {
  return error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message));
}

function vadFrom(e: z.infer<typeof Env>): VadConfig {
  const r = VadConfig.safeParse({
    start_threshold_db: e.VAD_START_DB,
    stop_threshold_db: e.VAD_STOP_DB,
    hangover_ms: e.VAD_HANGOVER_MS,
    min_speech_ms: e.VAD_MIN_SPEECH_MS,
    max_segment_ms: e.VAD_MAX_SEGMENT_MS,
    pre_roll_ms: e.VAD_PRE_ROLL_MS,
    post_roll_ms: e.VAD_POST_ROLL_MS,
    adaptive: e.VAD_ADAPTIVE,
    noise_margin_db: e.VAD_NOISE_MARGIN_DB,
  });
  if (!r.success) throw new ConfigError(issues(r.error).map((m) => `VAD ${m}`));
  return r.data;
}

/** Reads and checks the configuration; throws `ConfigError` listing every problem. */
export function loadHostConfig(env: Record<string, string | undefined>): HostConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const r = Env.safeParse(present);
  if (!r.success) throw new ConfigError(issues(r.error));
  const e = r.data;
  const vad = vadFrom(e);
  if (e.MAX_GAP_FILL_MS < vad.hangover_ms) {
    throw new ConfigError([
      'MAX_GAP_FILL_MS must be at least VAD_HANGOVER_MS (gaps inside speech must stay silence)',
    ]);
  }
  return {
    secret: e.VOICE_HOST_SECRET,
    hostId: e.VOICE_HOST_ID,
    control: { host: e.CONTROL_HOST, port: e.CONTROL_PORT },
    access: { controlUrl: e.ACCESS_CONTROL_URL, relayUrl: e.ACCESS_RELAY_URL },
    ingest: {
      url: e.SEGMENT_INGEST_URL,
      timeoutMs: e.INGEST_TIMEOUT_MS,
      maxAttempts: e.INGEST_MAX_ATTEMPTS,
      retryBaseMs: e.INGEST_RETRY_BASE_MS,
    },
    egressSecret: e.EGRESS_SHARED_SECRET,
    playback: {
      fetchOrigins: e.PLAYBACK_FETCH_ORIGINS,
      maxBytes: e.PLAYBACK_MAX_BYTES,
      interruptMode: e.INTERRUPT_MODE,
      duckGain: e.DUCK_GAIN,
      gapTimeoutMs: e.PLAYBACK_GAP_TIMEOUT_MS,
    },
    receive: {
      packetQueueCapacity: e.PACKET_QUEUE_CAPACITY,
      segmentQueueCapacity: e.SEGMENT_QUEUE_CAPACITY,
      reorderDepth: e.REORDER_DEPTH,
      reorderMaxWaitMs: e.REORDER_MAX_WAIT_MS,
      maxGapFillMs: e.MAX_GAP_FILL_MS,
    },
    vad,
    tickMs: e.TICK_MS,
    health: { intervalMs: e.HEALTH_INTERVAL_MS, degradedWindowMs: e.DEGRADED_WINDOW_MS },
    watchdog: {
      stallMs: e.WATCHDOG_STALL_MS,
      checkMs: e.WATCHDOG_CHECK_MS,
      controlGraceMs: e.CONTROL_GRACE_MS,
    },
    controlReconnectMaxMs: e.CONTROL_RECONNECT_MAX_MS,
    controlPingMs: e.CONTROL_PING_MS,
    daveEncryption: e.DAVE_ENCRYPTION,
  };
}
