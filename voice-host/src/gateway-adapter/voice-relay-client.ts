/** Carries a voice connection's gateway commands (op 4) to the access layer's relay over HTTP. */
import { type VoiceRelayRequest, VoiceRelayResponse } from '@promethean/schemas/voice/voice-relay';

export interface VoiceRelayClientOptions {
  readonly url: string;
  readonly secret: string;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

/** The outcome of one relay call. */
export interface RelayOutcome {
  readonly ok: boolean;
  readonly reason?: string;
}

export class VoiceRelayClient {
  readonly #o: VoiceRelayClientOptions;

  constructor(options: VoiceRelayClientOptions) {
    this.#o = options;
  }

  /** POSTs the command; never throws (a failure is an outcome with a reason). */
  async send(request: VoiceRelayRequest): Promise<RelayOutcome> {
    try {
      const response = await (this.#o.fetch ?? fetch)(this.#o.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.#o.secret}`, 'content-type': 'application/json' },
        body: JSON.stringify(request),
        signal: AbortSignal.timeout(this.#o.timeoutMs ?? 5_000),
      });
      const body = VoiceRelayResponse.safeParse(await response.json().catch(() => undefined));
      if (!response.ok || !body.success) {
        return {
          ok: false,
          reason: `relay answered ${response.status}${body.success ? `: ${body.data.reason ?? ''}` : ''}`,
        };
      }
      return body.data;
    } catch (e) {
      return { ok: false, reason: `relay unreachable: ${(e as Error).message}` };
    }
  }
}
