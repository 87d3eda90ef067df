/** Wraps raw ports so every effect call is checked against the manifest before it can happen. */
import type { ModelRef, TypedEnvelope } from '@promethean/schemas/envelope';
import type { Capability } from '@promethean/schemas/manifest';
import type { MessageDefinition, PayloadOf } from '@promethean/schemas/message-definition';
import type { z } from 'zod';
import { AgentError, type ErrorContext } from '../agent/agent-errors.ts';
import { type Clock, createEnvelope, type EnvelopeOrigin, type IdSource } from '../agent/envelope-factory.ts';
import type { Policy } from '../agent/policy.ts';
import type { BrokerClient } from '../broker/broker-client.ts';
import type { ReembedPort } from '../migrations/reembed/reembed-port.ts';
import type { MigrationPort } from '../migrations/store-move/store-move-port.ts';
import type { AttachmentEgress } from '../net/attachment-egress.ts';
import type { CrawlPort } from '../web/crawl-port.ts';
import type { DocumentStore } from './document-store.ts';
import type {
  BlobStore,
  EffectPorts,
  HttpFetch,
  LeasePort,
  ModelAnswer,
  ModelPort,
  PlaybackPort,
  ProviderPort,
  StatusPort,
  ToolChatPort,
  VectorStore,
} from './effect-ports.ts';
import { bounded, type EffectName, type EffectTimeouts } from './effect-timeouts.ts';

/** The runtime has no adapter for an effect the agent is allowed to use. */
export class EffectUnavailableError extends AgentError {
  override readonly name = 'EffectUnavailableError';
}

export interface PublishOptions {
  /** A deterministic id (derived from the idempotency key) so redelivery overwrites, never duplicates. */
  id?: string;
  corr?: string;
  models?: ModelRef[];
  config_rev?: string;
  /** The payload's contract version (default 1; see docs/agents.md, "Contract versions"). */
  v?: number;
  /** Publish for another tenant/provider than the invocation's (access agents only need this). */
  provider?: string;
  tenant?: string;
}

export interface Effects {
  publish<D extends MessageDefinition>(
    def: D,
    payload: z.input<D['payload']>,
    options?: PublishOptions,
  ): Promise<TypedEnvelope<PayloadOf<D>>>;
  readonly documents: DocumentStore;
  readonly vectors: VectorStore;
  readonly blobs: BlobStore;
  readonly models: ModelPort;
  readonly tools: ToolChatPort;
  readonly http: { fetch: HttpFetch; fetchAttachment: AttachmentEgress['fetchAttachment'] };
  readonly provider: ProviderPort;
  readonly leases: LeasePort;
  readonly status: StatusPort;
  readonly playback: PlaybackPort;
  readonly crawl: CrawlPort;
  readonly migrations: MigrationPort;
  readonly reembed: ReembedPort;
}

export interface EffectsSetup {
  policy: Policy;
  ports: EffectPorts;
  broker: BrokerClient;
  agentId: string;
  provider: string;
  tenant: string;
  /** The input being handled: outputs inherit its trace, take it as parent, and keep its corr. */
  from?: EnvelopeOrigin;
  /** The deployed version, stamped on every output. */
  build_sha?: string;
  /** The tenant config revision the invocation runs under, stamped on every output unless overridden. */
  config_rev?: string;
  clock: Clock;
  ids: IdSource;
  context: ErrorContext;
  /** Time bounds per effect family (defaults in effect-timeouts.ts). */
  timeouts?: EffectTimeouts;
  /** Sees every model call's answer (model, usage, finish reason): the runtime's telemetry. */
  onModelAnswer?: (role: ModelRole, answer: ModelAnswer) => void;
}

/** What a model call did, as telemetry names it. */
export type ModelRole = 'llm' | 'vision' | 'embed' | 'stt' | 'tts';

/** Passes each answer to `observe` on its way back to the agent (answers without a model pass as they are). */
function observed<A extends unknown[], R>(
  role: ModelRole,
  call: (...args: A) => Promise<R>,
  observe: EffectsSetup['onModelAnswer'],
): (...args: A) => Promise<R> {
  if (!observe) return call;
  return async (...args: A) => {
    const answer = await call(...args);
    if (answer && typeof answer === 'object' && 'model' in answer)
      observe(role, answer as unknown as ModelAnswer);
    return answer;
  };
}

function unavailable(name: string, context: ErrorContext): never {
  throw new EffectUnavailableError(`effect ${name} has no adapter in this runtime`, context);
}

/** Returns an object whose every method first asks the policy, then calls the port. */
function guarded<T extends object>(
  name: EffectName,
  port: T | undefined,
  capability: Capability,
  methods: readonly (keyof T & string)[],
  s: EffectsSetup,
): T {
  const wrapper: Record<string, unknown> = {};
  for (const method of methods) {
    wrapper[method] = (...args: unknown[]) => {
      s.policy.require(capability, `${name}.${method}`);
      if (!port) unavailable(name, s.context);
      const result = (port[method] as (...a: unknown[]) => unknown).apply(port, args);
      return bounded(name, `${name}.${method}`, result, s.context, s.timeouts);
    };
  }
  return Object.freeze(wrapper) as T;
}

/** The provider's voice control, when its adapter has one (otherwise the effect is unavailable). */
function voiceControlOf(port: ProviderPort | undefined): Pick<ProviderPort, 'voiceControl'> | undefined {
  const voiceControl = port?.voiceControl?.bind(port);
  return voiceControl ? { voiceControl } : undefined;
}

/**
 * The policy-wrapped effects of one invocation. Each family is wrapped the first time the handler reaches
 * for it: building every family's wrappers for every invocation (about fifty closures and twenty frozen
 * objects) was 7 % of the bytes the functions Worker allocated on the live path, while an indexer uses
 * one family. The instance is frozen; the families it hands out are frozen too.
 */
class PolicyEffects implements Effects {
  readonly #s: EffectsSetup;
  #documents?: Effects['documents'];
  #vectors?: Effects['vectors'];
  #blobs?: Effects['blobs'];
  #models?: Effects['models'];
  #tools?: Effects['tools'];
  #provider?: Effects['provider'];
  #leases?: Effects['leases'];
  #status?: Effects['status'];
  #playback?: Effects['playback'];
  #crawl?: Effects['crawl'];
  #migrations?: Effects['migrations'];
  #reembed?: Effects['reembed'];
  #http?: Effects['http'];

  /** An own property, so a handler may take it off the object (`const { publish } = ctx.effects`). */
  readonly publish: Effects['publish'];

  constructor(s: EffectsSetup) {
    this.#s = s;
    this.publish = async (def, payload, o = {}) => {
      const env = createEnvelope(def, payload, {
        src: s.agentId,
        provider: o.provider ?? s.provider,
        tenant: o.tenant ?? s.tenant,
        clock: s.clock,
        ids: s.ids,
        ...(s.from !== undefined && { from: s.from }),
        ...(o.corr !== undefined && { corr: o.corr }),
        ...(o.id !== undefined && { id: o.id }),
        ...(o.models !== undefined && { models: o.models }),
        ...((o.config_rev ?? s.config_rev) !== undefined && { config_rev: o.config_rev ?? s.config_rev }),
        ...(o.v !== undefined && { v: o.v }),
        ...(s.build_sha !== undefined && { build_sha: s.build_sha }),
      });
      s.policy.requirePublish(env.dst);
      await bounded('publish', `publish ${env.intent}`, s.broker.publish(env), s.context, s.timeouts);
      return env;
    };
    Object.freeze(this);
  }

  get documents(): Effects['documents'] {
    this.#documents ??= guarded(
      'documents',
      this.#s.ports.documents,
      'storage.documents',
      this.#s.ports.documents?.findMany
        ? ['upsertMany', 'get', 'getMany', 'find', 'count', 'findMany']
        : ['upsertMany', 'get', 'getMany', 'find', 'count'],
      this.#s,
    );
    return this.#documents;
  }

  get vectors(): Effects['vectors'] {
    this.#vectors ??= guarded(
      'vectors',
      this.#s.ports.vectors,
      'storage.vectors',
      ['upsert', 'query', 'count', 'delete', 'pinned'],
      this.#s,
    );
    return this.#vectors;
  }

  get blobs(): Effects['blobs'] {
    this.#blobs ??= guarded('blobs', this.#s.ports.blobs, 'storage.blobs', ['put', 'get'], this.#s);
    return this.#blobs;
  }

  get models(): Effects['models'] {
    const s = this.#s;
    this.#models ??= Object.freeze({
      complete: observed(
        'llm',
        guarded('models', s.ports.models, 'llm.complete', ['complete'], s).complete,
        s.onModelAnswer,
      ),
      describeImage: observed(
        'vision',
        guarded('models', s.ports.models, 'llm.complete', ['describeImage'], s).describeImage,
        s.onModelAnswer,
      ),
      embed: observed(
        'embed',
        guarded('models', s.ports.models, 'embed.text', ['embed'], s).embed,
        s.onModelAnswer,
      ),
      transcribe: observed(
        'stt',
        guarded('models', s.ports.models, 'speech.transcribe', ['transcribe'], s).transcribe,
        s.onModelAnswer,
      ),
      synthesize: observed(
        'tts',
        guarded('models', s.ports.models, 'speech.synthesize', ['synthesize'], s).synthesize,
        s.onModelAnswer,
      ),
    });
    return this.#models;
  }

  get tools(): Effects['tools'] {
    this.#tools ??= guarded('tools', this.#s.ports.tools, 'llm.tools', ['chat'], this.#s);
    return this.#tools;
  }

  get provider(): Effects['provider'] {
    const s = this.#s;
    this.#provider ??= Object.freeze({
      ...guarded('provider', s.ports.provider, 'provider.rest.call', ['postMessage', 'restCall'], s),
      ...guarded('provider', s.ports.provider, 'provider.gateway.connect', ['gatewayControl'], s),
      ...guarded('provider', voiceControlOf(s.ports.provider), 'provider.voice.connect', ['voiceControl'], s),
    });
    return this.#provider;
  }

  get leases(): Effects['leases'] {
    this.#leases ??= guarded(
      'leases',
      this.#s.ports.leases,
      'coordination.leases',
      ['acquire', 'release'],
      this.#s,
    );
    return this.#leases;
  }

  get status(): Effects['status'] {
    this.#status ??= guarded('status', this.#s.ports.status, 'ops.read', ['tenantStatus'], this.#s);
    return this.#status;
  }

  get playback(): Effects['playback'] {
    this.#playback ??= guarded('playback', this.#s.ports.playback, 'voice.playback', ['submit'], this.#s);
    return this.#playback;
  }

  get crawl(): Effects['crawl'] {
    this.#crawl ??= guarded(
      'crawl',
      this.#s.ports.crawl,
      'web.crawl',
      ['claim', 'complete', 'touch', 'robots', 'permit', 'release', 'refusal', 'fetch', 'passed'],
      this.#s,
    );
    return this.#crawl;
  }

  get migrations(): Effects['migrations'] {
    this.#migrations ??= guarded(
      'migrations',
      this.#s.ports.migrations,
      'storage.migrations',
      ['storeMoveStatus', 'storeMoveStart', 'storeMoveStep'],
      this.#s,
    );
    return this.#migrations;
  }

  get reembed(): Effects['reembed'] {
    this.#reembed ??= guarded(
      'reembed',
      this.#s.ports.reembed,
      'storage.migrations',
      [
        'reembedStatus',
        'reembedCurrent',
        'reembedStart',
        'reembedStep',
        'reembedStepIfCurrent',
        'reembedSetGoal',
        'reembedRollback',
      ],
      this.#s,
    );
    return this.#reembed;
  }

  get http(): Effects['http'] {
    const s = this.#s;
    this.#http ??= Object.freeze({
      ...guarded('http', s.ports.fetch ? { fetch: s.ports.fetch } : undefined, 'http.fetch', ['fetch'], s),
      ...guarded('http', s.ports.egress, 'http.fetch', ['fetchAttachment'], s),
    });
    return this.#http;
  }
}

/** Builds the frozen, policy-wrapped effects one invocation receives (each family wrapped on first use). */
export function createEffects(s: EffectsSetup): Effects {
  return new PolicyEffects(s);
}
