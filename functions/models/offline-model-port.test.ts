/** Offline mode: deterministic, useful for local search, and labelled in every answer. */
import { describe, expect, it } from 'vitest';
import { hashedEmbedding, OFFLINE_EMBED_DIMENSION, similarity } from './offline-embedding.ts';
import { OfflineModelPort } from './offline-model-port.ts';
import { frameUntrusted } from './untrusted-text.ts';
import { encodeWav } from './wav-audio.ts';

const port = new OfflineModelPort();

describe('offline embeddings', () => {
  it('are deterministic, L2-normalized and of the fixed dimension', async () => {
    const a = await port.embed(['The duck swims in the pond']);
    const b = await port.embed(['The duck swims in the pond']);
    expect(a).toEqual(b);
    expect(a).toMatchObject({ model: 'offline-embed', offline: true, dimension: OFFLINE_EMBED_DIMENSION });
    const v = a.vectors[0] ?? [];
    expect(v).toHaveLength(OFFLINE_EMBED_DIMENSION);
    expect(Math.sqrt(v.reduce((s, x) => s + x * x, 0))).toBeCloseTo(1, 10);
  });

  it('put texts that share words nearer than texts that do not', () => {
    const q = hashedEmbedding('where do ducks swim?');
    const near = hashedEmbedding('Ducks swim in the pond behind the barn');
    const far = hashedEmbedding('quarterly invoice totals for accounting');
    expect(similarity(q, near)).toBeGreaterThan(similarity(q, far) + 0.2);
  });

  it('ignore case and accents, and give empty text a unit vector rather than zeros', () => {
    expect(hashedEmbedding('Café CRÈME')).toEqual(hashedEmbedding('cafe creme'));
    const empty = hashedEmbedding('   ');
    expect(empty.filter((x) => x !== 0)).toEqual([1]);
  });
});

describe('offline completion', () => {
  it('says it is offline and quotes the most relevant context line', async () => {
    const request = {
      system: 'You are Duck.',
      messages: [
        {
          role: 'user' as const,
          content: frameUntrusted(
            'context',
            'ada: the meeting is on thursday\nbob: ducks like bread crumbs\ncy: my cat sleeps all day',
          ),
        },
        { role: 'user' as const, content: frameUntrusted('question', 'what do ducks like to eat?') },
      ],
    };
    const a = await port.complete(request);
    expect(a).toEqual(await port.complete(request));
    expect(a.offline).toBe(true);
    expect(a.model).toBe('offline-llm');
    expect(a.text).toMatch(/^\[offline\] I am the offline stand-in model/);
    expect(a.text).toContain('"bob: ducks like bread crumbs"');
    expect(a.text).toContain('You asked: "what do ducks like to eat?"');
  });

  it('says when nothing relevant was found', async () => {
    const a = await port.complete({ system: 's', messages: [{ role: 'user', content: 'hello?' }] });
    expect(a.text).toContain('I found nothing relevant');
  });
});

describe('offline speech and transcription', () => {
  it('cannot transcribe, and says how much audio it was given', async () => {
    const wav = encodeWav(new Uint8Array(2 * 16_000 * 3), { sample_rate: 16_000, channels: 1 });
    const a = await port.transcribe({ audio: wav, filename: 'x.wav' });
    expect(a).toEqual({
      model: 'offline-stt',
      offline: true,
      text: '[offline] cannot transcribe 3.00 s of audio: no speech-to-text model is configured',
      confidence: 0,
    });
  });

  it('synthesizes deterministic, audible PCM proportional to the text', async () => {
    const a = await port.synthesize({ text: 'quack quack' });
    const b = await port.synthesize({ text: 'quack quack' });
    expect(a).toEqual(b);
    expect(a).toMatchObject({ model: 'offline-tts', offline: true, sample_rate: 24_000, channels: 1 });
    expect(a.pcm.byteLength).toBe('quack quack'.length * 1440 * 2);
    const samples = new Int16Array(a.pcm.buffer, a.pcm.byteOffset, a.pcm.byteLength / 2);
    const peak = samples.reduce((m, s) => Math.max(m, Math.abs(s)), 0);
    expect(peak).toBeGreaterThan(4000); // audible, not silence
    const longer = await port.synthesize({ text: 'quack quack quack quack' });
    expect(longer.pcm.byteLength / a.pcm.byteLength).toBeCloseTo(23 / 11, 6);
  });

  it('cannot see images', async () => {
    expect(await port.describeImage()).toBeUndefined();
  });
});
