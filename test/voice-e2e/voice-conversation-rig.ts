/**
 * The voice host in a real conversation, in one process: the real `VoiceHost` (@discordjs/voice, receive
 * pipeline, VAD, playback) joins channels of the fake voice server over TLS + UDP; the rig plays the access
 * layer (op 4 relay answered with the bot's voice state and server updates on the control connection) and
 * the worker chain after the segment (a reply per segment, the offline TTS voice, chunked as the tts agent
 * does, handed to the host's playback). Fake people speak espeak-ng phrases and hear Duck. The dev-stack
 * test runs the same protocol with the real Workers in between (test/dev-stack/voice-host-e2e.test.ts).
 */
import { OFFLINE_TTS_SAMPLE_RATE, offlineSpeechPcm } from '@promethean/functions/models/offline-speech';
import { SystemScheduler } from '@promethean/shared/broker/scheduler';
import { loadHostConfig } from '../../voice-host/src/config/host-config.ts';
import { RelayAdapterRegistry } from '../../voice-host/src/gateway-adapter/relay-adapter-registry.ts';
import { VoiceHost } from '../../voice-host/src/host/voice-host.ts';
import { PcmUrlFetcher } from '../../voice-host/src/playback/pcm-url-fetcher.ts';
import type { PlayItem } from '../../voice-host/src/playback/playback-queue.ts';
import type { SegmentSink, SegmentWrite } from '../../voice-host/src/segments/segment-sink.ts';
import { FakeControlChannel } from '../../voice-host/testing/fake-control-channel.ts';
import { buildSpeechFixture } from '../../voice-host/testing/speech-fixture.ts';
import type { FakeVoicePerson } from '../fake-discord/fake-voice-person.ts';
import { FakeVoiceServer, type FakeVoiceServerOptions } from '../fake-discord/fake-voice-server.ts';
import type { MediaFaultSettings } from '../fake-discord/voice-media-faults.ts';
import type { VoiceServerSession } from '../fake-discord/voice-server-session.ts';
import { trustTestCa } from '../fake-discord/voice-test-ca.ts';

/** Options of `ConversationRig.start`. */
export interface RigOptions {
  tenants: number;
  guildsPerTenant: number;
  speakers: number;
  faults?: MediaFaultSettings;
  server?: FakeVoiceServerOptions;
  /** Extra host environment (VAD, INTERRUPT_MODE, ...). */
  hostEnv?: Record<string, string>;
  /** The reply text for the n-th segment of a session (length sets the reply's duration: 60 ms a character). */
  replyText?: (n: number) => string;
}

/** One voice session of the host and the people in its channel. */
export interface RigSession {
  readonly sessionId: string;
  readonly tenant: string;
  readonly guildId: string;
  readonly botUserId: string;
  readonly people: FakeVoicePerson[];
  /** Every packet the bot sent in this session, as the server received it. */
  readonly botPackets: Array<{ at: number; timestamp: number; silence: boolean }>;
}

/** A segment as the host delivered it, and the reply the rig synthesized for it. */
export interface SegmentReply {
  readonly sessionId: string;
  readonly userId: string;
  readonly segmentId: string;
  readonly tsStart: number;
  readonly tsEnd: number;
  readonly storedAt: number;
  readonly replyId: string;
  /** The TTS audio: mono s16 at OFFLINE_TTS_SAMPLE_RATE. */
  readonly tts: Int16Array;
}

const OPUS_SILENCE = Buffer.from([0xf8, 0xff, 0xfe]);
const FIRST_CHUNK_MS = 600;
const CHUNK_MS = 2_000;
const PHRASES = [
  'hello duck how are you today',
  'please tell me a story about the sea',
  'what time is it in tokyo',
  'thank you that was lovely',
  'can you hear me now',
];

/** Phrase `i` (cycled) as 48 kHz stereo s16, made once by espeak-ng and sox and cached on disk. */
export function phrase(i: number): Int16Array {
  const text = PHRASES[i % PHRASES.length]!;
  return buildSpeechFixture({ phrases: [text], silencesMs: [0, 0] }).stereo;
}

export class ConversationRig {
  readonly server: FakeVoiceServer;
  readonly host: VoiceHost;
  readonly control = new FakeControlChannel();
  readonly sessions: RigSession[] = [];
  readonly replies: SegmentReply[] = [];
  readonly #o: RigOptions;
  readonly #waiters = new Set<() => void>();
  /** The host's error lines, kept so a watchdog exit can say what preceded it. */
  readonly #errors: unknown[] = [];
  #exitRequest: { code: number; detail: Record<string, unknown> } | undefined;

  private constructor(server: FakeVoiceServer, o: RigOptions) {
    this.server = server;
    this.#o = o;
    const scheduler = new SystemScheduler();
    this.host = new VoiceHost({
      config: loadHostConfig({
        VOICE_HOST_SECRET: 'rig-secret-0123456789',
        VOICE_HOST_ID: 'rig',
        // The rig checks conversations, not the watchdog (its own tests do): a CI machine busy with other suites
        // must not end the host over a slow stretch, and a real stall still fails the turn that waits on it.
        WATCHDOG_STALL_MS: '30000',
        ...o.hostEnv,
      }),
      scheduler,
      control: this.control,
      adapters: new RelayAdapterRegistry(
        async (_p, tenant, command) => this.#relay(tenant, command),
        () => {},
      ),
      sinkFor: (info) => this.#sink(info.session_id),
      fetcher: new PcmUrlFetcher({ origins: [], maxBytes: 1, timeoutMs: 1 }),
      log: (line) => {
        if (process.env.VOICE_RIG_DEBUG) console.error(JSON.stringify(line));
        if ((line as { level?: unknown }).level !== 'error') return;
        this.#errors.push(line);
        if (this.#errors.length > 20) this.#errors.shift();
      },
      // Thrown from the watchdog's timer this would be an unhandled error outside any test; recorded, it fails
      // the next wait with the watchdog's reason and the errors before it.
      exit: (code, detail) => {
        this.#exitRequest = { code, detail };
        console.error(
          JSON.stringify({ msg: 'voice host asked to exit', code, detail, errors: this.#errors }),
        );
        this.#wake();
      },
    });
    server.on('audio', (s, _seq, timestamp, opus) => {
      const rs = this.#rigSession(s);
      rs?.botPackets.push({ at: Date.now(), timestamp, silence: opus.equals(OPUS_SILENCE) });
      this.#wake();
    });
  }

  static async start(o: RigOptions): Promise<ConversationRig> {
    const server = await FakeVoiceServer.start(o.server);
    trustTestCa(server.ca);
    if (o.faults) server.setFaults(o.faults);
    const rig = new ConversationRig(server, o);
    rig.host.start();
    rig.control.connect();
    let n = 0;
    for (let t = 0; t < o.tenants; t++) {
      const tenant = `tenant${t}`;
      for (let g = 0; g < o.guildsPerTenant; g++) {
        n++;
        const guildId = `8000000000000000${String(n).padStart(2, '0')}`;
        const people: FakeVoicePerson[] = [];
        for (let p = 0; p < o.speakers; p++) {
          people.push(
            server.join(guildId, `3000000000000${String(n).padStart(2, '0')}${String(p).padStart(3, '0')}`),
          );
        }
        const session: RigSession = {
          sessionId: `vs-${tenant}-${g}`,
          tenant,
          guildId,
          botUserId: `10000000000000000${t}`,
          people,
          botPackets: [],
        };
        rig.sessions.push(session);
        rig.host.join({
          session_id: session.sessionId,
          provider: 'discord',
          tenant,
          guild_id: guildId,
          channel_id: `5600000000000000${String(n).padStart(2, '0')}`,
          self_mute: false,
          self_deaf: false,
        });
      }
    }
    await rig.until(
      'every session ready',
      () => rig.sessions.every((s) => rig.#serverSession(s)?.mode != null),
      20_000,
    );
    if (o.server?.dave === true) await rig.untilDaveGroups();
    return rig;
  }

  /**
   * With DAVE on: every channel's group holds the bot and every person, and every person is at the group's
   * epoch (the bot learns it from the same op 29/30 a moment later).
   */
  async untilDaveGroups(timeoutMs = 20_000): Promise<void> {
    await this.until(
      'every DAVE group complete',
      () =>
        this.sessions.every((s) => {
          const g = this.server.daveGroup(s.guildId);
          if (g === undefined) return false;
          const members = new Set(g.leaves);
          return (
            members.has(s.botUserId) &&
            s.people.every((p) => !p.inChannel || (members.has(p.userId) && p.dave?.epoch === g.epoch))
          );
        }),
      timeoutMs,
    );
  }

  /** Resolves once `ok()` holds, re-checked whenever a packet or segment arrives (and every 50 ms). */
  async until(what: string, ok: () => boolean, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!ok()) {
      this.#throwIfExited(what);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((r) => {
        const t = setTimeout(done, 50);
        function done() {
          clearTimeout(t);
          r();
        }
        this.#waiters.add(done);
      });
    }
  }

  #throwIfExited(what: string): void {
    const exit = this.#exitRequest;
    if (exit === undefined) return;
    throw new Error(
      `the voice host asked to exit ${exit.code} while waiting for ${what}: ${JSON.stringify(exit.detail)}; ` +
        `errors before it: ${JSON.stringify(this.#errors)}`,
    );
  }

  /** The voice server's view of a rig session. */
  serverSession(s: RigSession): VoiceServerSession | undefined {
    return this.#serverSession(s);
  }

  async stop(): Promise<void> {
    await this.host.stop();
    await this.server.stop();
    this.#throwIfExited('the rig to stop');
  }

  #serverSession(s: RigSession): VoiceServerSession | undefined {
    return this.server.session(`gw-${s.tenant}`, s.guildId);
  }

  #rigSession(s: VoiceServerSession): RigSession | undefined {
    return this.sessions.find((r) => r.guildId === s.grant.guildId && `gw-${r.tenant}` === s.grant.sessionId);
  }

  #wake(): void {
    for (const w of [...this.#waiters]) {
      this.#waiters.delete(w);
      w();
    }
  }

  /** The access layer's relay and gateway: op 4 → VOICE_STATE_UPDATE + VOICE_SERVER_UPDATE on the control connection. */
  #relay(tenant: string, command: { op: number; d: { guild_id: string; channel_id: string | null } }) {
    const t = Number(tenant.replace('tenant', ''));
    const userId = `10000000000000000${t}`;
    const sessionId = `gw-${tenant}`;
    const { guild_id, channel_id } = command.d;
    setImmediate(() => {
      if (channel_id === null) this.server.endSession(guild_id, userId);
      const token = `tok-${tenant}-${guild_id}`;
      if (channel_id !== null)
        this.server.grant({ guildId: guild_id, channelId: channel_id, userId, sessionId, token });
      this.control.deliver({
        type: 'voice.state_update',
        provider: 'discord',
        tenant,
        d: {
          guild_id,
          channel_id,
          user_id: userId,
          session_id: sessionId,
          deaf: false,
          mute: false,
          self_deaf: false,
          self_mute: false,
          self_video: false,
          suppress: false,
          request_to_speak_timestamp: null,
        },
      });
      if (channel_id !== null) {
        this.control.deliver({
          type: 'voice.server_update',
          provider: 'discord',
          tenant,
          d: { token, guild_id, endpoint: this.server.endpoint },
        });
      }
    });
    return Promise.resolve({ ok: true as const });
  }

  /** The worker chain after the segment, in-process: a reply per segment, offline TTS, chunks to the host. */
  #sink(sessionId: string): SegmentSink {
    let n = 0;
    return {
      write: async (segment: SegmentWrite) => {
        const p = segment.envelope.payload;
        const text = this.#o.replyText?.(n) ?? `duck answers number ${n}`;
        n++;
        const bytes = offlineSpeechPcm(text);
        const tts = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
        const reply: SegmentReply = {
          sessionId,
          userId: p.user_id,
          segmentId: p.segment_id,
          tsStart: p.ts_start,
          tsEnd: p.ts_end,
          storedAt: Date.now(),
          replyId: `r-${p.segment_id}`,
          tts,
        };
        this.replies.push(reply);
        this.#play(reply);
        this.#wake();
      },
    };
  }

  #play(reply: SegmentReply): void {
    const perMs = OFFLINE_TTS_SAMPLE_RATE / 1000;
    const cuts = [0];
    for (let at = FIRST_CHUNK_MS * perMs; at < reply.tts.length; at += CHUNK_MS * perMs) cuts.push(at);
    cuts.forEach((start, seq) => {
      const end = cuts[seq + 1] ?? reply.tts.length;
      const pcm = reply.tts.slice(start, end);
      const item: PlayItem = {
        session_id: reply.sessionId,
        reply_id: reply.replyId,
        seq,
        last: seq === cuts.length - 1,
        format: { encoding: 'pcm_s16le', sample_rate: OFFLINE_TTS_SAMPLE_RATE, channels: 1 },
        blob_key: `mem/${reply.replyId}/${seq}`,
        duration_ms: pcm.length / perMs,
        segment_id: reply.segmentId,
      };
      this.host.play(reply.sessionId, item, new Uint8Array(pcm.buffer));
    });
  }
}
