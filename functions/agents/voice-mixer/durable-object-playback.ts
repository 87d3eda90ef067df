/** The `voice.playback` port on the Worker: each session's events go to its VoicePlayback Durable Object. */
import type { PlaybackEvent, PlaybackPort, PlaybackReport } from '@promethean/shared/effects/effect-ports';
import { sessionOfEvent } from './memory-playback.ts';
import type { VoicePlayback } from './voice-playback.ts';

interface PlaybackStub {
  submit(scope: { provider: string; tenant: string }, event: PlaybackEvent): Promise<PlaybackReport>;
}

export class DurableObjectPlayback implements PlaybackPort {
  readonly #namespace: DurableObjectNamespace<VoicePlayback>;
  readonly #provider: string;
  readonly #tenant: string;

  constructor(namespace: DurableObjectNamespace<VoicePlayback>, provider: string, tenant: string) {
    this.#namespace = namespace;
    this.#provider = provider;
    this.#tenant = tenant;
  }

  submit(event: PlaybackEvent): Promise<PlaybackReport> {
    const name = `${this.#provider}:${this.#tenant}:${sessionOfEvent(event)}`;
    const stub = this.#namespace.get(this.#namespace.idFromName(name)) as unknown as PlaybackStub;
    return stub.submit({ provider: this.#provider, tenant: this.#tenant }, event);
  }
}
