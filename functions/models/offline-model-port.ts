/**
 * The offline ModelPort: what answers when no model key is configured. Deterministic, and labelled
 * in every answer (`offline: true`, `offline-*` model names, and text that says so) — never a
 * silent fake.
 */
import type {
  CompletionRequest,
  ModelAnswer,
  ModelPort,
  PcmAudio,
  SpeechRequest,
  TranscriptionRequest,
} from '@promethean/shared/effects/effect-ports';
import { hashedEmbedding, OFFLINE_EMBED_DIMENSION, similarity, wordTokens } from './offline-embedding.ts';
import { OFFLINE_TTS_SAMPLE_RATE, offlineSpeechPcm } from './offline-speech.ts';
import { unframe } from './untrusted-text.ts';
import { wavDurationSeconds } from './wav-audio.ts';

export const OFFLINE_MODELS = Object.freeze({
  llm: 'offline-llm',
  embed: 'offline-embed',
  stt: 'offline-stt',
  tts: 'offline-tts',
});

const QUOTE_LIMIT = 300;

function clip(text: string, limit: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= limit ? flat : `${flat.slice(0, limit - 1)}…`;
}

/**
 * The line of context sharing the most words with the question (ties: the earliest), or undefined
 * when nothing shares a word. Context is every user message before the last; the last is the question.
 */
export function mostRelevantLine(request: CompletionRequest): string | undefined {
  const users = request.messages.filter((m) => m.role === 'user');
  const question = users.at(-1);
  if (!question) return undefined;
  const q = hashedEmbedding(unframe(question.content));
  const qWords = new Set(wordTokens(unframe(question.content)));
  let best: { line: string; score: number } | undefined;
  for (const message of users.slice(0, -1)) {
    for (const line of unframe(message.content).split('\n')) {
      const shared = wordTokens(line).filter((w) => qWords.has(w)).length;
      if (shared === 0) continue;
      const score = shared + similarity(q, hashedEmbedding(line));
      if (!best || score > best.score) best = { line: line.trim(), score };
    }
  }
  return best?.line;
}

export class OfflineModelPort implements ModelPort {
  async complete(request: CompletionRequest): Promise<ModelAnswer & { text: string }> {
    const question = unframe(request.messages.filter((m) => m.role === 'user').at(-1)?.content ?? '');
    const line = mostRelevantLine(request);
    const found = line
      ? `The most relevant thing I found: "${clip(line, QUOTE_LIMIT)}"`
      : 'I found nothing relevant in what I have indexed.';
    const text =
      `[offline] I am the offline stand-in model (no language model is configured), so I cannot really answer. ` +
      `You asked: "${clip(question, 200)}". ${found}`;
    return { model: OFFLINE_MODELS.llm, offline: true, finish_reason: 'stop', text };
  }

  async embed(texts: readonly string[]): Promise<ModelAnswer & { vectors: number[][]; dimension: number }> {
    return {
      model: OFFLINE_MODELS.embed,
      offline: true,
      dimension: OFFLINE_EMBED_DIMENSION,
      vectors: texts.map((t) => hashedEmbedding(t, OFFLINE_EMBED_DIMENSION)),
    };
  }

  async transcribe(
    request: TranscriptionRequest,
  ): Promise<ModelAnswer & { text: string; language?: string; confidence: number }> {
    const seconds = wavDurationSeconds(request.audio);
    const length =
      seconds === undefined
        ? `${request.audio.byteLength} bytes of audio`
        : `${seconds.toFixed(2)} s of audio`;
    return {
      model: OFFLINE_MODELS.stt,
      offline: true,
      text: `[offline] cannot transcribe ${length}: no speech-to-text model is configured`,
      confidence: 0,
    };
  }

  async synthesize(request: SpeechRequest): Promise<ModelAnswer & PcmAudio> {
    return {
      model: OFFLINE_MODELS.tts,
      offline: true,
      pcm: offlineSpeechPcm(request.text),
      sample_rate: OFFLINE_TTS_SAMPLE_RATE,
      channels: 1,
    };
  }

  /** Offline mode cannot see images; callers fall back to the attachment's metadata. */
  async describeImage(): Promise<undefined> {
    return undefined;
  }
}
