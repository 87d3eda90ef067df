/**
 * VoicePlayback: one Durable Object per provider, tenant and voice session that owns the session's
 * playback order (a PlaybackSequencer's state, stored on every change). Events from the voice-mixer are
 * applied one at a time; chunks that may play are handed, in order, to the access Worker
 * (`ACCESS.voicePlay` → VoiceHostLink → the host's control connection) with the URL the host fetches the
 * PCM from. An alarm runs holds and gap timeouts out and retries chunks the host could not take yet.
 */
import { DurableObject } from 'cloudflare:workers';
import { componentTelemetry } from '@promethean/shared/agent/telemetry';
import type { PlaybackEvent, PlaybackReport } from '@promethean/shared/effects/effect-ports';
import { insecureTransportProblem } from '@promethean/shared/net/transport-security';
import { accessRpc } from '@promethean/shared/platform/access-rpc';
import type { VoicePlayAnswer } from '@promethean/shared/platform/voice-play-request';
import { emptySequencerState, type PlayItem, type SequencerState } from './playback-sequencer.ts';
import { type PlaybackOutlet, PlaybackStream } from './playback-stream.ts';
import { MIN_PLAYBACK_SECRET_CHARS, signPlaybackUrl } from './playback-url.ts';

interface Scope {
  provider: string;
  tenant: string;
}

/** Retry undelivered chunks this often, and give up on them after this many tries (the host is away). */
const RETRY_MS = 1_000;
const MAX_DELIVERY_ATTEMPTS = 15;
const DELIVERY_TIMEOUT_MS = 3_000;

export class VoicePlayback extends DurableObject<FunctionsEnv> {
  #stream: PlaybackStream | undefined;
  #scope: Scope | undefined;
  #failedDrains = 0;

  constructor(ctx: DurableObjectState, env: FunctionsEnv) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      this.#scope = await ctx.storage.get<Scope>('scope');
      const state = (await ctx.storage.get<SequencerState>('sequencer')) ?? emptySequencerState();
      this.#stream = new PlaybackStream(state, this.#outlet());
    });
  }

  async submit(scope: Scope, event: PlaybackEvent): Promise<PlaybackReport> {
    if (!this.#scope) {
      this.#scope = { provider: scope.provider, tenant: scope.tenant };
      await this.ctx.storage.put('scope', this.#scope);
    }
    const report = await this.#required().submit(event, Date.now());
    await this.#settle(report);
    return report;
  }

  async state(): Promise<SequencerState> {
    return structuredClone(this.#required().state);
  }

  override async alarm(): Promise<void> {
    const report = await this.#required().tick(Date.now());
    await this.#settle(report);
  }

  /** Stores the order and sets the alarm for the next hold, gap timeout or delivery retry. */
  async #settle(report: PlaybackReport): Promise<void> {
    const stream = this.#required();
    if ((report.undelivered ?? 0) > 0) {
      if (++this.#failedDrains >= MAX_DELIVERY_ATTEMPTS) {
        const dropped = stream.dropUndelivered();
        this.#failedDrains = 0;
        componentTelemetry('voice-playback', this.#scope).warn(
          'voice host unreachable; playback chunks dropped',
          {
            dropped,
          },
        );
      }
    } else {
      this.#failedDrains = 0;
    }
    await this.ctx.storage.put('sequencer', stream.state);
    const retry = stream.state.outbox.length > 0 ? Date.now() + RETRY_MS : undefined;
    const due = [stream.nextDeadline(), retry].filter((t): t is number => t !== undefined);
    if (due.length > 0) await this.ctx.storage.setAlarm(Math.max(Date.now() + 10, Math.min(...due)));
    else await this.ctx.storage.deleteAlarm();
  }

  #outlet(): PlaybackOutlet {
    return {
      deliver: async (item: PlayItem) => {
        const scope = this.#scope;
        const vars = this.env as unknown as {
          VOICE_PLAYBACK_BASE_URL?: string;
          VOICE_PLAYBACK_SECRET?: string;
        };
        const base = vars.VOICE_PLAYBACK_BASE_URL;
        const secret = vars.VOICE_PLAYBACK_SECRET;
        if (!scope || !base) return { ok: false, reason: 'VOICE_PLAYBACK_BASE_URL is not configured' };
        const insecure = insecureTransportProblem(base, 'https');
        if (insecure) return { ok: false, reason: `VOICE_PLAYBACK_BASE_URL ${insecure}` };
        if (!secret || secret.length < MIN_PLAYBACK_SECRET_CHARS) {
          return {
            ok: false,
            reason: `VOICE_PLAYBACK_SECRET is not configured (at least ${MIN_PLAYBACK_SECRET_CHARS} characters)`,
          };
        }
        const url = await signPlaybackUrl(
          new URL(
            `/voice/blobs/${scope.provider}/${scope.tenant}/${item.blob_key.split('/').map(encodeURIComponent).join('/')}`,
            base,
          ),
          secret,
          Date.now(),
        );
        const access = accessRpc(this.env);
        const call = access.voicePlay({
          provider: scope.provider,
          tenant: scope.tenant,
          item,
          url: url.toString(),
        });
        // A hung call must not hold the stream's lock: it counts as undelivered and is retried.
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timeout = new Promise<VoicePlayAnswer>((resolve) => {
          timer = setTimeout(
            () => resolve({ ok: false, reason: `voicePlay took over ${DELIVERY_TIMEOUT_MS} ms` }),
            DELIVERY_TIMEOUT_MS,
          );
        });
        try {
          return await Promise.race([call, timeout]);
        } finally {
          clearTimeout(timer);
        }
      },
    };
  }

  #required(): PlaybackStream {
    if (!this.#stream) throw new Error('VoicePlayback is not loaded');
    return this.#stream;
  }
}
