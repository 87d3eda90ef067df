/** Capability policy from the manifest, checked inside effect helpers, with a record of every check. */
import type { AgentManifest, Capability } from '@promethean/schemas/manifest';
import { topicMatches } from '../platform/topics.ts';
import { type ErrorContext, PolicyDeniedError } from './agent-errors.ts';

export interface PolicyCall {
  capability: Capability | 'bus.publish';
  allowed: boolean;
  detail?: string;
}

/** Always-allowed topics: every agent may report its health and its errors. */
const ALWAYS_PUBLISHABLE = ['promethean.p.*.t.*.ops.health', 'promethean.p.*.t.*.ops.error'];

export class Policy {
  readonly #manifest: AgentManifest;
  readonly #context: ErrorContext;
  readonly #calls: PolicyCall[] = [];
  readonly #onCall: ((call: PolicyCall) => void) | undefined;

  /** `onCall` sees every check as it happens (the runtime logs them for audits and golden tests). */
  constructor(manifest: AgentManifest, context: ErrorContext, onCall?: (call: PolicyCall) => void) {
    this.#manifest = manifest;
    this.#context = context;
    this.#onCall = onCall;
  }

  #record(call: PolicyCall): void {
    this.#calls.push(call);
    this.#onCall?.(call);
  }

  /** Throws `PolicyDeniedError` unless the manifest grants the capability. */
  require(capability: Capability, detail?: string): void {
    const granted = this.#manifest.capabilities.includes(capability);
    const providerOnly = capability.startsWith('provider.') && this.#manifest.kind !== 'provider-access';
    const allowed = granted && !providerOnly;
    this.#record({ capability, allowed, ...(detail !== undefined && { detail }) });
    if (!allowed) {
      throw new PolicyDeniedError(
        capability,
        this.#context,
        providerOnly ? 'only provider-access agents may hold provider.* capabilities' : undefined,
      );
    }
  }

  /** Throws `PolicyDeniedError` unless the topic matches one of the manifest's declared outputs. */
  requirePublish(topic: string): void {
    const patterns = [...this.#manifest.outputs.map((o) => o.topic), ...ALWAYS_PUBLISHABLE];
    const allowed = patterns.some((p) => topicMatches(p, topic));
    this.#record({ capability: 'bus.publish', allowed, detail: topic });
    if (!allowed) {
      throw new PolicyDeniedError(
        'bus.publish',
        { ...this.#context, topic },
        `topic is not among agent.yml outputs`,
      );
    }
  }

  /** Every check made so far, in order; golden tests compare this. */
  calls(): readonly PolicyCall[] {
    return [...this.#calls];
  }
}
