/**
 * `createModelPort(env)`: the online port when a model key is configured, the labelled offline port
 * when not, and a port that fails loudly when the settings are invalid. Called per request or batch
 * with the Worker's env; nothing about the configuration is cached at module scope.
 */
import { componentTelemetry, type LogLevel } from '@promethean/shared/agent/telemetry';
import type { ModelPort } from '@promethean/shared/effects/effect-ports';
import { ModelConfigurationError } from './model-errors.ts';
import { ModelSettingsError, readModelSettings } from './model-settings.ts';
import { OFFLINE_EMBED_DIMENSION } from './offline-embedding.ts';
import { OFFLINE_MODELS, OfflineModelPort } from './offline-model-port.ts';
import { type ModelScope, OpenAiModelPort } from './openai-model-port.ts';

export interface CreateModelPortOptions {
  /** The tenant the port serves; every error names it. */
  scope?: ModelScope;
  /** Where operator notices go (one record per notice); the platform log (`model-port`) by default. */
  notice?: (record: Record<string, unknown>) => void;
  /** The fetch the openai client uses (the runtime's own by default). */
  fetch?: typeof fetch;
}

/** What this isolate has already announced. Isolate state, not configuration: the env is re-read every call. */
const announced = new Set<string>();

function announceOnce(
  key: string,
  record: { level: LogLevel; msg: string; [field: string]: unknown },
  options: CreateModelPortOptions,
): void {
  if (announced.has(key)) return;
  announced.add(key);
  if (options.notice) {
    options.notice(record);
    return;
  }
  const { level, msg, ...fields } = record;
  componentTelemetry('model-port', options.scope).log(level, msg, fields);
}

/** Forgets the notices given (tests that check the once-per-isolate rule). */
export function resetModelNotices(): void {
  announced.clear();
}

const RETRY_CONFIG_MS = 300_000;

/** Every call fails with the settings problem, so an operator sees it on the first message that needs a model. */
class MisconfiguredModelPort implements ModelPort {
  constructor(readonly problem: string) {}
  #fail(): never {
    throw new ModelConfigurationError(this.problem, RETRY_CONFIG_MS);
  }
  complete(): never {
    return this.#fail();
  }
  embed(): never {
    return this.#fail();
  }
  transcribe(): never {
    return this.#fail();
  }
  synthesize(): never {
    return this.#fail();
  }
  describeImage(): never {
    return this.#fail();
  }
}

/** Chooses the ModelPort for this request from the env (see docs/models.md). */
export function createModelPort(
  env: Readonly<Record<string, unknown>>,
  options: CreateModelPortOptions = {},
): ModelPort {
  let settings: ReturnType<typeof readModelSettings>;
  try {
    settings = readModelSettings(env);
  } catch (e) {
    if (!(e instanceof ModelSettingsError)) throw e;
    announceOnce(
      `invalid:${e.message}`,
      { level: 'error', msg: 'model settings invalid', problem: e.message },
      options,
    );
    return new MisconfiguredModelPort(e.message);
  }
  if (settings.mode === 'offline') {
    announceOnce(
      'offline',
      {
        level: 'warn',
        msg: 'models are OFFLINE: no MODEL_API_KEY is configured; answers come from the deterministic offline stand-in',
        models: OFFLINE_MODELS,
      },
      options,
    );
    return new OfflineModelPort();
  }
  return new OpenAiModelPort(settings, options.scope ?? {}, options.fetch);
}

/** The settings `createModelPort(env)` runs on, or undefined when they are invalid (that port fails every call). */
function validSettings(
  env: Readonly<Record<string, unknown>>,
): ReturnType<typeof readModelSettings> | undefined {
  try {
    return readModelSettings(env);
  } catch (e) {
    if (e instanceof ModelSettingsError) return undefined;
    throw e;
  }
}

/**
 * What the embedding cache needs from the settings: the model `createModelPort(env)` embeds with (the cache's
 * key), the size of vector it answers, and the size floor; undefined when the settings are invalid (that port
 * fails every call, so there is nothing to cache).
 */
export function configuredEmbedCache(
  env: Readonly<Record<string, unknown>>,
): { model: string; dimension: number; minBytes: number } | undefined {
  const settings = validSettings(env);
  if (settings === undefined) return undefined;
  const offline = settings.mode === 'offline';
  return {
    model: offline ? OFFLINE_MODELS.embed : settings.embed_model,
    // What the port answers: the OpenAI port refuses any other size, the offline model has one fixed size.
    dimension: offline ? OFFLINE_EMBED_DIMENSION : settings.embed_dimensions,
    minBytes: settings.embed_cache_min_bytes,
  };
}
