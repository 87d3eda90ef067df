/**
 * What `npm run demo` does against a running dev stack: signed interactions, the echo provider's
 * input and transcript, the dev index status, and bounded polling of state (never fixed sleeps).
 */
import { type InteractionKeyPair, signInteraction } from './interaction-signer.ts';

/** A demo step that did not happen; the message says what was expected and what to check. */
export class DemoStepError extends Error {
  override readonly name = 'DemoStepError';
}

export interface TranscriptLine {
  foreign_id: string;
  channel_id: string;
  direction: 'in' | 'out';
  author_id: string;
  content: string;
  interaction_urn: string | null;
}

/** The placeholder the echo network shows until an interaction is answered. */
export const ECHO_PLACEHOLDER = 'duck is thinking…';

/** Resolves with `probe`'s first defined answer; polls every `intervalMs` until `timeoutMs`, then throws `failure()`. */
export async function pollUntil<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  failure: () => string,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() >= deadline) throw new DemoStepError(failure());
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(intervalMs, Math.max(0, deadline - Date.now()))),
    );
  }
}

export class DemoClient {
  readonly #base: string;
  readonly #provider: string;
  readonly #tenant: string;

  constructor(base: string, provider: string, tenant: string) {
    this.#base = base.replace(/\/$/, '');
    this.#provider = provider;
    this.#tenant = tenant;
  }

  async json<T>(path: string, init?: RequestInit): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.#base}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: keep the text for the error message.
    }
    return { status: res.status, body: body as T };
  }

  /** POSTs a signed interaction; `tamper` changes the body after signing (to show a refusal). */
  async interact(keys: InteractionKeyPair, interaction: unknown, tamper?: (body: string) => string) {
    const signed = await signInteraction(keys, JSON.stringify(interaction));
    const body = tamper ? tamper(signed.body) : signed.body;
    return this.json<Record<string, unknown>>(`/interactions/${this.#provider}/${this.#tenant}`, {
      method: 'POST',
      headers: signed.headers,
      body,
    });
  }

  /** Scripted chat lines through the echo provider's input. */
  async say(messages: unknown[]) {
    return this.json<{ accepted: number; foreign_ids: string[] }>(`/dev/echo/${this.#tenant}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages }),
    });
  }

  async transcript(channel = 'general'): Promise<TranscriptLine[]> {
    const { body } = await this.json<{ messages: TranscriptLine[] }>(
      `/dev/echo/${this.#tenant}/transcript?channel=${encodeURIComponent(channel)}`,
    );
    return body.messages;
  }

  /** Which of these messages are indexed (document) and embedded (vector). */
  async indexStatus(ids: readonly string[]) {
    return this.json<{
      documents: { count: number; indexed: string[] };
      vectors: { count: number; pinned: { model: string; dimension: number } | null; embedded: string[] };
    }>(`/dev/index/${this.#provider}/${this.#tenant}?messages=${ids.join(',')}`);
  }

  /** The bot's answer to an interaction, once it has replaced the placeholder. */
  async answerTo(urn: string): Promise<string | undefined> {
    const lines = (await this.transcript()).filter((l) => l.interaction_urn === urn && l.direction === 'out');
    const answered = lines.filter((l) => l.content !== ECHO_PLACEHOLDER);
    return answered.length > 0 ? answered.map((l) => l.content).join('\n') : undefined;
  }
}
