/**
 * One embedding request for the texts several agent invocations of one queue batch send at about the
 * same time (docs/operations.md, Cost): the embedding cache sits above this, so only its misses meet
 * here, and its semantics are unchanged.
 *
 * Calls wait `windowMs` for company, up to `maxInputs` texts per request. If a shared request fails,
 * each caller's own request is made alone, so one caller's bad input never fails its neighbours.
 * A shared answer's `usage` is reported once (to the first caller), so token totals stay exact.
 */
import type { ModelAnswer, ModelPort } from './effect-ports.ts';

type EmbedAnswer = ModelAnswer & { vectors: number[][]; dimension: number };

export interface EmbedCoalescing {
  windowMs: number;
  /** The most texts in one request: below every embedding API's per-request limit (OpenAI's is 2048). */
  maxInputs: number;
}

export const DEFAULT_EMBED_COALESCING: EmbedCoalescing = Object.freeze({ windowMs: 5, maxInputs: 96 });

interface Waiter {
  texts: readonly string[];
  resolve: (a: EmbedAnswer) => void;
  reject: (e: unknown) => void;
}

/** `models` whose `embed` shares requests; every other call passes straight through. */
export function withCoalescedEmbeddings(
  models: ModelPort,
  options: EmbedCoalescing = DEFAULT_EMBED_COALESCING,
): ModelPort {
  let group: { waiters: Waiter[]; size: number; timer: ReturnType<typeof setTimeout> } | undefined;

  const alone = async (w: Waiter) => {
    try {
      w.resolve(await models.embed(w.texts));
    } catch (e) {
      w.reject(e);
    }
  };

  const send = async (waiters: Waiter[]) => {
    if (waiters.length === 1) return alone(waiters[0]!);
    let shared: EmbedAnswer;
    try {
      shared = await models.embed(waiters.flatMap((w) => w.texts));
    } catch {
      await Promise.all(waiters.map(alone));
      return;
    }
    let at = 0;
    waiters.forEach((w, i) => {
      const { usage, vectors, ...rest } = shared;
      w.resolve({
        ...rest,
        vectors: vectors.slice(at, at + w.texts.length),
        ...(i === 0 && usage !== undefined && { usage }),
      });
      at += w.texts.length;
    });
  };

  const flush = () => {
    const g = group;
    group = undefined;
    if (!g) return;
    clearTimeout(g.timer);
    void send(g.waiters);
  };

  const embed = (texts: readonly string[]): Promise<EmbedAnswer> => {
    if (texts.length === 0 || texts.length >= options.maxInputs) return models.embed(texts);
    return new Promise<EmbedAnswer>((resolve, reject) => {
      if (group && group.size + texts.length > options.maxInputs) flush();
      group ??= { waiters: [], size: 0, timer: setTimeout(flush, options.windowMs) };
      group.waiters.push({ texts, resolve, reject });
      group.size += texts.length;
    });
  };

  return {
    complete: (r) => models.complete(r),
    embed,
    transcribe: (r) => models.transcribe(r),
    synthesize: (r) => models.synthesize(r),
    describeImage: (i) => models.describeImage(i),
  };
}
