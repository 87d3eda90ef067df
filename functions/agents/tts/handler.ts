/** tts: reply.message (mode voice) → models.synthesize → PCM chunks in blobs → voice.play.pcm per chunk. */
import type { ModelRef } from '@promethean/schemas/envelope';
import { ReplyMessage } from '@promethean/schemas/events/social-message';
import type { PayloadOf } from '@promethean/schemas/message-definition';
import { VoicePlayPcm } from '@promethean/schemas/voice/voice-messages';
import { defineAgent } from '@promethean/shared/agent/agent-definition';
import type { RuntimeContext } from '@promethean/shared/agent/runtime-context';
import type { StoredDocument } from '@promethean/shared/effects/document-store';
import { sha256Hex } from '@promethean/shared/platform/sha256-hex';
import { z } from 'zod';
import { replyChunkKey } from '../../voice/voice-blob-keys.ts';
import { type Timing, withHop } from '../../voice/voice-timing.ts';
import manifest from './agent.yml';
import { chunkPcm } from './pcm-chunks.ts';

type Reply = PayloadOf<typeof ReplyMessage>;

const Settings = z.object({
  tts_first_chunk_ms: z.number().int().min(100).max(10_000),
  tts_chunk_ms: z.number().int().min(200).max(30_000),
  tts_voice: z.string().default(''),
});

/** What was synthesized for a reply, stored once so a redelivery republishes exactly these chunks. */
interface SpokenReply {
  format: { encoding: 'pcm_s16le'; sample_rate: number; channels: number };
  chunks: Array<{ seq: number; last: boolean; blob_key: string; duration_ms: number }>;
  model: ModelRef;
  timing: Timing;
}

/** The segment id a reply's chunk keys hang off; replies without one (none today) use a hash of the id. */
async function keyBase(p: Reply): Promise<string> {
  return p.segment_id ?? `reply-${(await sha256Hex(p.reply_id)).slice(0, 24)}`;
}

async function synthesize(
  ctx: RuntimeContext,
  p: Reply & { session_id: string },
  started: number,
): Promise<SpokenReply> {
  const s = Settings.parse(ctx.settings);
  const audio = await ctx.effects.models.synthesize({
    text: p.text,
    ...(s.tts_voice.trim() !== '' && { voice: s.tts_voice.trim() }),
  });
  const chunks = chunkPcm(audio.pcm, {
    sampleRate: audio.sample_rate,
    channels: audio.channels,
    firstChunkMs: s.tts_first_chunk_ms,
    chunkMs: s.tts_chunk_ms,
  });
  const base = await keyBase(p);
  const stored: SpokenReply['chunks'] = [];
  for (const c of chunks) {
    const blob_key = replyChunkKey(ctx.provider, ctx.tenant, p.session_id, base, c.seq);
    await ctx.effects.blobs.put(blob_key, c.bytes, 'application/octet-stream');
    stored.push({ seq: c.seq, last: c.last, blob_key, duration_ms: c.duration_ms });
  }
  return {
    format: { encoding: 'pcm_s16le', sample_rate: audio.sample_rate, channels: audio.channels },
    chunks: stored,
    model: { role: 'tts', name: audio.model, offline: audio.offline },
    timing: withHop(p.timing, started, 'tts', ctx.message.ts, started, ctx.clock.now()),
  };
}

function spokenDocument(ctx: RuntimeContext, p: Reply, spoken: SpokenReply): StoredDocument {
  return {
    provider: ctx.provider,
    tenant: ctx.tenant,
    foreign_id: `tts:${p.reply_id}`,
    urn: p.in_reply_to ?? `urn:${ctx.provider}:reply:${ctx.tenant}:${encodeURIComponent(p.reply_id)}`,
    index: { kind: 'tts', session_id: p.session_id ?? '' },
    // One version: the first synthesis stored wins a race, a later one is "unchanged".
    slots: { spoken: { version: '1', value: spoken } },
  };
}

export const tts = defineAgent(manifest, 'functions/agents/tts/agent.yml')
  .on(ReplyMessage, async (msg, ctx) => {
    const p = msg.payload;
    if (p.mode !== 'voice' || p.session_id === undefined) return; // text replies are posted, not spoken
    const started = ctx.clock.now();
    const id = `tts:${p.reply_id}`;
    let spoken = (await ctx.effects.documents.get('jobs', id))?.slots.spoken?.value as
      | SpokenReply
      | undefined;
    if (spoken === undefined) {
      const fresh = await synthesize(ctx, { ...p, session_id: p.session_id }, started);
      await ctx.effects.documents.upsertMany('jobs', [spokenDocument(ctx, p, fresh)]);
      spoken = ((await ctx.effects.documents.get('jobs', id))?.slots.spoken?.value as SpokenReply) ?? fresh;
    } else {
      ctx.telemetry.info('reply already synthesized; publishing its chunks again', { reply_id: p.reply_id });
    }
    for (const c of spoken.chunks) {
      await ctx.effects.publish(
        VoicePlayPcm,
        {
          session_id: p.session_id,
          reply_id: p.reply_id,
          seq: c.seq,
          last: c.last,
          format: spoken.format,
          blob_key: c.blob_key,
          duration_ms: c.duration_ms,
          ...(p.segment_id !== undefined && { segment_id: p.segment_id }),
          timing: spoken.timing,
        },
        { id: `${id}:${c.seq}`, models: [spoken.model] },
      );
    }
  })
  .build();
