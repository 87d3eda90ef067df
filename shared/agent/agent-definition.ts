/** An agent is its manifest plus one typed handler per input intent. */
import type { TypedEnvelope } from '@promethean/schemas/envelope';
import type { AgentManifest } from '@promethean/schemas/manifest';
import type { MessageDefinition, PayloadOf } from '@promethean/schemas/message-definition';
import { loadManifest, ManifestError } from './manifest-loader.ts';
import type { RuntimeContext } from './runtime-context.ts';

export type IntentHandler<P> = (message: TypedEnvelope<P>, ctx: RuntimeContext) => Promise<void>;

export interface Agent {
  readonly manifest: AgentManifest;
  /** The intents this agent has handlers for (equal to its manifest's input schemas). */
  intents(): string[];
  handle(message: TypedEnvelope<unknown>, ctx: RuntimeContext): Promise<void>;
}

class AgentBuilder implements Agent {
  readonly manifest: AgentManifest;
  readonly #handlers = new Map<string, IntentHandler<unknown>>();
  readonly #source: string;

  constructor(manifest: AgentManifest, source: string) {
    this.manifest = manifest;
    this.#source = source;
  }

  /** Registers the handler for one input; the manifest must declare that input. */
  on<D extends MessageDefinition>(def: D, handler: IntentHandler<PayloadOf<D>>): this {
    if (!this.manifest.inputs.some((i) => i.schema === def.intent)) {
      throw new ManifestError(this.#source, `handler for ${def.intent} but agent.yml declares no such input`);
    }
    this.#handlers.set(def.intent, handler as IntentHandler<unknown>);
    return this;
  }

  intents(): string[] {
    return [...this.#handlers.keys()];
  }

  /** Ensures every declared input has a handler; call once after the last `on()`. */
  build(): Agent {
    for (const input of this.manifest.inputs) {
      if (!this.#handlers.has(input.schema)) {
        throw new ManifestError(
          this.#source,
          `agent.yml declares input ${input.schema} but no handler exists`,
        );
      }
    }
    return this;
  }

  async handle(message: TypedEnvelope<unknown>, ctx: RuntimeContext): Promise<void> {
    const handler = this.#handlers.get(message.intent);
    if (!handler) throw new ManifestError(this.#source, `no handler for ${message.intent}`);
    await handler(message, ctx);
  }
}

/** Starts an agent from its `agent.yml` text; chain `.on(Def, handler)` and finish with `.build()`. */
export function defineAgent(manifestText: string, source: string): AgentBuilder {
  return new AgentBuilder(loadManifest(manifestText, source), source);
}
