/**
 * The provider-independent heart of a voice session: the speech pipeline (receive → segments → sink),
 * playback with interruption, the events they publish, and the session's health figures.
 */
import type { Envelope } from '@promethean/schemas/envelope';
import { VoiceHealth, VoiceStateSpeaking } from '@promethean/schemas/voice/voice-messages';
import { createEnvelope } from '@promethean/shared/agent/envelope-factory';
import type { Scheduler } from '@promethean/shared/broker/scheduler';
import type { z } from 'zod';
import type { HostConfig } from '../config/host-config.ts';
import {
  type ConnectionStatus,
  DegradationTracker,
  type HealthState,
  sessionState,
} from '../health/health-state.ts';
import type { PcmOutput } from '../playback/pcm-output.ts';
import type { PlayItem } from '../playback/playback-queue.ts';
import { SessionPlayback } from '../playback/session-playback.ts';
import { SegmentPublisher } from '../segments/segment-publisher.ts';
import type { SegmentSink, SegmentWrite } from '../segments/segment-sink.ts';
import type { SessionInfo } from './session-info.ts';
import { SpeechPipeline } from './speech-pipeline.ts';

export type VoiceHealthPayload = z.infer<typeof VoiceHealth.payload>;

/** Everything GET /health shows about a session (no user ids, no audio). */
export interface SessionHealth extends VoiceHealthPayload {
  readonly tenant: string;
  readonly guild_id: string;
  readonly connection: ConnectionStatus;
  readonly reason?: string;
  readonly decode_failures: number;
  readonly dropped_segments: number;
  readonly segments_published: number;
  readonly segments_rejected: number;
  readonly playback: {
    playing: boolean;
    queued: number;
    played: number;
    interrupted: number;
    skipped: number;
  };
}

export interface SessionCoreOptions {
  readonly info: SessionInfo;
  readonly config: Pick<HostConfig, 'vad' | 'receive' | 'ingest' | 'playback' | 'health'> &
    Partial<Pick<HostConfig, 'tickMs'>>;
  readonly sink: SegmentSink;
  readonly scheduler: Scheduler;
  readonly output: PcmOutput;
  /** Publishes an event envelope (voice.state.speaking) through the access layer. */
  readonly publish: (envelope: Envelope) => void;
  readonly log: (line: Record<string, unknown>) => void;
  readonly onPublished?: (write: SegmentWrite, latencyMs: number) => void;
  readonly defer?: (fn: () => void) => void;
}

export class SessionCore {
  readonly info: SessionInfo;
  readonly pipeline: SpeechPipeline;
  readonly publisher: SegmentPublisher;
  readonly playback: SessionPlayback;
  readonly #o: SessionCoreOptions;
  readonly #degradation: DegradationTracker;

  constructor(o: SessionCoreOptions) {
    this.#o = o;
    this.info = o.info;
    const c = o.config;
    this.#degradation = new DegradationTracker(c.health.degradedWindowMs);
    this.publisher = new SegmentPublisher({
      origin: { provider: o.info.provider, tenant: o.info.tenant, sessionId: o.info.session_id },
      sink: o.sink,
      scheduler: o.scheduler,
      vad: c.vad,
      capacity: c.receive.segmentQueueCapacity,
      maxAttempts: c.ingest.maxAttempts,
      retryBaseMs: c.ingest.retryBaseMs,
      onPublished: o.onPublished,
      log: o.log,
    });
    this.playback = new SessionPlayback({
      output: o.output,
      interruptMode: c.playback.interruptMode,
      duckGain: c.playback.duckGain,
      gapTimeoutMs: c.playback.gapTimeoutMs,
      now: () => o.scheduler.now(),
    });
    this.pipeline = new SpeechPipeline({
      receiver: {
        reorder: { depth: c.receive.reorderDepth, maxWaitMs: c.receive.reorderMaxWaitMs },
        maxGapFillMs: c.receive.maxGapFillMs,
        resyncMs: 2_000,
      },
      vad: c.vad,
      packetQueueCapacity: c.receive.packetQueueCapacity,
      idleFlushMs: Math.max(c.receive.reorderMaxWaitMs, 60),
      ...(c.tickMs === undefined ? {} : { tickMs: c.tickMs }),
      defer: o.defer,
      onSegment: (s) => this.publisher.enqueue(s),
      onSpeaking: (userId, speaking) => this.#onSpeaking(userId, speaking),
      onError: (e) => o.log({ level: 'error', msg: 'speech pipeline failed on a packet', error: String(e) }),
    });
  }

  /** Time-driven work of one loop pass. */
  tick(nowMs: number): void {
    this.pipeline.tick(nowMs);
    this.playback.pump();
  }

  /** Queues a chunk of synthesized audio. */
  play(item: PlayItem, pcm: Uint8Array): ReturnType<SessionPlayback['enqueue']> {
    return this.playback.enqueue(item, pcm);
  }

  /** Flushes the speech still open and stops playback (the session ends). */
  end(): void {
    this.pipeline.end();
    this.playback.close();
  }

  health(status: ConnectionStatus, everReady: boolean, nowMs: number): SessionHealth {
    const p = this.pipeline.stats();
    const pub = this.publisher.stats();
    const play = this.playback.stats();
    const degraded = this.#degradation.observe(
      {
        droppedFrames: p.droppedFrames,
        droppedSegments: pub.dropped,
        rejectedSegments: pub.rejected,
        lostPackets: p.lostPackets,
        receivedPackets: p.receivedPackets,
      },
      nowMs,
    );
    const state: HealthState = sessionState(status, everReady, degraded);
    return {
      session_id: this.info.session_id,
      tenant: this.info.tenant,
      guild_id: this.info.guild_id,
      connection: status,
      state,
      ...(this.#degradation.reason !== undefined &&
        state === 'DEGRADED' && { reason: this.#degradation.reason }),
      speakers: p.speakers,
      jitter_ms: Math.round(p.jitterMs * 100) / 100,
      packet_loss: Math.round(p.packetLoss * 10_000) / 10_000,
      decrypt_failures: p.decryptFailures,
      decode_failures: p.decodeFailures,
      queue_depth: p.queueDepth + pub.queueDepth,
      dropped_frames: p.droppedFrames,
      dropped_segments: pub.dropped,
      segments_published: pub.published,
      segments_rejected: pub.rejected,
      playback: {
        playing: play.playing !== undefined,
        queued: play.queued,
        played: play.played,
        interrupted: play.interrupted,
        skipped: play.skipped,
      },
    };
  }

  /** The `voice.health` envelope for a health snapshot. */
  healthEnvelope(h: SessionHealth, clock: Scheduler): Envelope {
    const payload: VoiceHealthPayload = {
      session_id: h.session_id,
      state: h.state,
      speakers: h.speakers,
      jitter_ms: h.jitter_ms,
      packet_loss: h.packet_loss,
      decrypt_failures: h.decrypt_failures,
      queue_depth: h.queue_depth,
      dropped_frames: h.dropped_frames,
    };
    return createEnvelope(VoiceHealth, payload, {
      src: 'voice-host',
      provider: this.info.provider,
      tenant: this.info.tenant,
      clock,
    });
  }

  #onSpeaking(userId: string, speaking: boolean): void {
    const interrupted = this.playback.speaking(userId, speaking);
    const payload = {
      session_id: this.info.session_id,
      user_id: userId,
      speaking,
      ...(interrupted !== undefined && { interrupted_reply_id: interrupted }),
    };
    this.#o.publish(
      createEnvelope(VoiceStateSpeaking, payload, {
        src: 'voice-host',
        provider: this.info.provider,
        tenant: this.info.tenant,
        clock: this.#o.scheduler,
      }),
    );
  }
}
