/** Model configuration read from the Worker's env (per request): endpoint, key, and pinned model names. */
import { z } from 'zod';

/** The pinned defaults: concrete model names, so a deployment never drifts to whatever "latest" means today. */
export const DEFAULT_MODELS = Object.freeze({
  base_url: 'https://api.openai.com/v1',
  llm_model: 'gpt-4o-mini-2024-07-18',
  embed_model: 'text-embedding-3-small',
  embed_dimensions: 1536,
  embed_encoding: 'base64',
  // See ModelSettings.embed_cache_min_bytes.
  embed_cache_min_bytes: 400,
  stt_model: 'whisper-1',
  tts_model: 'tts-1',
  tts_voice: 'alloy',
  timeout_ms: 30_000,
});

/** Unset and empty variables both mean "use the default" (wrangler writes empty vars as ""). */
const unsetIfBlank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalText = z.preprocess(unsetIfBlank, z.string().trim().optional());
const wholeNumber = (max: number) =>
  z.preprocess(unsetIfBlank, z.coerce.number().int().min(0).max(max).optional());
const positiveInt = (max: number) =>
  z.preprocess(unsetIfBlank, z.coerce.number().int().positive().max(max).optional());

/** The env variables models read; everything else in the env is ignored. */
export const ModelEnvironment = z.object({
  MODEL_BASE_URL: optionalText.pipe(z.url({ protocol: /^https?$/ }).optional()),
  MODEL_API_KEY: optionalText,
  LLM_MODEL: optionalText,
  EMBED_MODEL: optionalText,
  EMBED_DIMENSIONS: positiveInt(16_384),
  EMBED_ENCODING: optionalText.pipe(z.enum(['base64', 'float']).optional()),
  EMBED_CACHE_MIN_BYTES: wholeNumber(1_000_000),
  STT_MODEL: optionalText,
  TTS_MODEL: optionalText,
  TTS_VOICE: optionalText,
  VISION_MODEL: optionalText,
  MODEL_TIMEOUT_MS: positiveInt(600_000),
});

export interface ModelSettings {
  /** `offline` when no API key is configured: an explicit, labelled stand-in answers. */
  mode: 'online' | 'offline';
  base_url: string;
  api_key: string | undefined;
  llm_model: string;
  embed_model: string;
  embed_dimensions: number;
  /**
   * How the server sends vectors: `base64` (packed float32, the OpenAI API's and client's default, a
   * fraction of the JSON to parse) or `float` (JSON numbers, for compatible servers that refuse base64).
   */
  embed_encoding: 'base64' | 'float';
  /**
   * Texts shorter than this (UTF-8 bytes) skip the embedding cache: neither looked up nor stored. At list
   * prices a cache entry (at least two rows written, $2.00 per million, and about 8 KB stored) costs what embedding
   * about 100 tokens again does (text-embedding-3-small, $0.02 per million tokens), and 100 tokens of English
   * are about 400 bytes; so a chat line is cheaper to embed again than to remember (docs/models.md,
   * "The embedding cache"). 0 caches every text.
   */
  embed_cache_min_bytes: number;
  stt_model: string;
  tts_model: string;
  tts_voice: string;
  /** A model that accepts images; without one, `describeImage` answers undefined. */
  vision_model: string | undefined;
  timeout_ms: number;
}

/** The env could not be read as model settings (a typo in a var); an operator has to fix it. */
export class ModelSettingsError extends Error {
  override readonly name = 'ModelSettingsError';
}

/**
 * Settings already parsed, by the exact values of the variables they come from. The env is still read
 * on every call; only the parse of values seen before is reused (a changed value is a new key).
 */
const parsedSettings = new Map<string, ModelSettings>();
const MODEL_VARIABLES = Object.keys(ModelEnvironment.shape);

/** Parses the env; throws `ModelSettingsError` naming every bad variable. */
export function readModelSettings(env: Readonly<Record<string, unknown>>): ModelSettings {
  const key = JSON.stringify(MODEL_VARIABLES.map((name) => env[name] ?? null));
  const known = parsedSettings.get(key);
  if (known) return known;
  const settings = parseModelSettings(env);
  if (parsedSettings.size >= 16) parsedSettings.clear();
  parsedSettings.set(key, settings);
  return settings;
}

function parseModelSettings(env: Readonly<Record<string, unknown>>): ModelSettings {
  const parsed = ModelEnvironment.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ModelSettingsError(`invalid model settings: ${issues.join('; ')}`);
  }
  const e = parsed.data;
  return Object.freeze({
    mode: e.MODEL_API_KEY ? 'online' : 'offline',
    base_url: e.MODEL_BASE_URL ?? DEFAULT_MODELS.base_url,
    api_key: e.MODEL_API_KEY,
    llm_model: e.LLM_MODEL ?? DEFAULT_MODELS.llm_model,
    embed_model: e.EMBED_MODEL ?? DEFAULT_MODELS.embed_model,
    embed_dimensions: e.EMBED_DIMENSIONS ?? DEFAULT_MODELS.embed_dimensions,
    embed_encoding: e.EMBED_ENCODING ?? DEFAULT_MODELS.embed_encoding,
    embed_cache_min_bytes: e.EMBED_CACHE_MIN_BYTES ?? DEFAULT_MODELS.embed_cache_min_bytes,
    stt_model: e.STT_MODEL ?? DEFAULT_MODELS.stt_model,
    tts_model: e.TTS_MODEL ?? DEFAULT_MODELS.tts_model,
    tts_voice: e.TTS_VOICE ?? DEFAULT_MODELS.tts_voice,
    vision_model: e.VISION_MODEL,
    timeout_ms: e.MODEL_TIMEOUT_MS ?? DEFAULT_MODELS.timeout_ms,
  });
}
