import { describe, expect, it } from 'vitest';
import { ControlToHost, HostToControl, VoiceRelayRequest } from './voice-relay.ts';
import {
  expectedSegmentBytes,
  pcmLengthProblem,
  SegmentIngestEnvelope,
  segmentBlobKey,
} from './voice-segment-ingest.ts';

const payload = {
  session_id: 'vs 1',
  user_id: '77',
  segment_id: '77-1000',
  ts_start: 1_000,
  ts_end: 1_400,
  format: { encoding: 'pcm_s16le', sample_rate: 48_000, channels: 1 },
  blob_key: 'voice/discord/duck/vs%201/77-1000.pcm',
  vad: { kind: 'energy', start_threshold: -40, stop_threshold: -47, hangover_ms: 400 },
};
const envelope = {
  id: 'vs 1:77-1000',
  ts: '2026-01-01T00:00:00.000Z',
  src: 'voice-host',
  dst: 'promethean.p.discord.t.duck.voice.audio.segment',
  provider: 'discord',
  tenant: 'duck',
  intent: 'voice.audio.segment',
  payload,
};

describe('segment ingest contract', () => {
  it('accepts an envelope whose id and blob key derive from the segment', () => {
    expect(SegmentIngestEnvelope.safeParse(envelope).success).toBe(true);
    expect(segmentBlobKey('discord', 'duck', payload)).toBe(payload.blob_key);
  });

  it('refuses an id or blob key that does not derive from the segment, and an empty segment', () => {
    const issues = (e: unknown) => {
      const r = SegmentIngestEnvelope.safeParse(e);
      return r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
    };
    expect(issues({ ...envelope, id: 'other' })).toEqual(['id']);
    expect(issues({ ...envelope, payload: { ...payload, blob_key: 'x.pcm' } })).toEqual(['payload.blob_key']);
    expect(issues({ ...envelope, payload: { ...payload, ts_end: 1_000 } })).toEqual(['payload.ts_end']);
    expect(issues({ ...envelope, intent: 'voice.health' })).toEqual(['intent']);
  });

  it('checks the PCM length against the declared duration and format', () => {
    const env = SegmentIngestEnvelope.parse(envelope);
    expect(expectedSegmentBytes(env.payload)).toBe(400 * 48 * 2);
    expect(pcmLengthProblem(env, 400 * 48 * 2)).toBeUndefined();
    expect(pcmLengthProblem(env, 100)).toMatch(/needs 38400/);
  });
});

describe('relay and control connection contract', () => {
  it('defaults the provider to discord and validates voice updates', () => {
    const m = ControlToHost.parse({
      type: 'voice.server_update',
      tenant: 'duck',
      d: { token: 't', guild_id: '1', endpoint: null },
    });
    expect(m).toMatchObject({ provider: 'discord', d: { endpoint: null } });
    expect(
      ControlToHost.safeParse({ type: 'voice.state_update', tenant: 'duck', d: { guild_id: '1' } }).success,
    ).toBe(false);
  });

  it('accepts only http(s) playback URLs and op 4 relay payloads', () => {
    const item = {
      session_id: 's',
      reply_id: 'r',
      seq: 0,
      last: true,
      format: { encoding: 'pcm_s16le', sample_rate: 24_000, channels: 1 },
      blob_key: 'b',
      duration_ms: 20,
    };
    expect(
      ControlToHost.safeParse({ type: 'session.play', item, url: 'https://blobs.example/b' }).success,
    ).toBe(true);
    expect(ControlToHost.safeParse({ type: 'session.play', item, url: 'file:///etc/passwd' }).success).toBe(
      false,
    );
    const d = { guild_id: '1', channel_id: null, self_mute: false, self_deaf: false };
    expect(
      VoiceRelayRequest.safeParse({ provider: 'discord', tenant: 'duck', payload: { op: 4, d } }).success,
    ).toBe(true);
    expect(
      VoiceRelayRequest.safeParse({ provider: 'discord', tenant: 'duck', payload: { op: 2, d } }).success,
    ).toBe(false);
  });

  it('describes what the host sends', () => {
    expect(
      HostToControl.safeParse({ type: 'hello', host_id: 'h', version: '0.1.0', sessions: [] }).success,
    ).toBe(true);
    expect(HostToControl.safeParse({ type: 'health', host_state: 'BROKEN', envelopes: [] }).success).toBe(
      false,
    );
  });
});
