/** The immutable context one handler invocation receives: identity, tenant view, effects, settings, telemetry. */
import type { Envelope } from '@promethean/schemas/envelope';
import type { AgentManifest } from '@promethean/schemas/manifest';
import type { BrokerClient } from '../broker/broker-client.ts';
import type { EffectPorts, ModelAnswer } from '../effects/effect-ports.ts';
import type { EffectTimeouts } from '../effects/effect-timeouts.ts';
import { createEffects, type Effects, type ModelRole } from '../effects/policy-effects.ts';
import { deepFreeze } from '../platform/deep-freeze.ts';
import type { ProviderRegistry, TenantView } from '../platform/provider-registry.ts';
import type { SecretAccessor, SecretEnvironment } from '../platform/secret-accessor.ts';
import { PolicyDeniedError } from './agent-errors.ts';
import type { Clock, IdSource } from './envelope-factory.ts';
import { idempotencyKey } from './idempotency-key.ts';
import { Policy } from './policy.ts';
import { Telemetry, type TelemetrySink } from './telemetry.ts';
import type { ConfigOverlay } from './tenant-config.ts';

export interface RuntimeContext {
  readonly runtimeId: string;
  readonly agent: Readonly<Pick<AgentManifest, 'id' | 'kind' | 'version'>>;
  readonly provider: string;
  readonly tenant: string;
  /** The tenant's registry entry without credentials. */
  readonly tenantView: TenantView;
  /** The message being handled. */
  readonly message: Envelope;
  /** The manifest's idempotency key evaluated for this message. */
  readonly idempotencyKey: string;
  readonly effects: Effects;
  /**
   * Manifest settings overlaid with deployment, tenant and runtime (`config.patch`) settings, copied and frozen
   * when the context was built: a patch applied while the handler runs is seen by the next invocation only.
   */
  readonly settings: Readonly<Record<string, unknown>>;
  /** The tenant's config revision the settings came from (absent before its first `config.patch`). */
  readonly configRev?: string;
  readonly telemetry: Telemetry;
  readonly clock: Clock;
  readonly policy: Policy;
  /** Present only for provider-access agents holding provider.secrets.read. */
  readonly secrets?: SecretAccessor;
}

export interface ContextDependencies {
  registry: ProviderRegistry;
  broker: BrokerClient;
  /** The raw ports, or a function giving the ports scoped to one tenant (stores are tenant-scoped). */
  ports: EffectPorts | ((scope: TenantView) => EffectPorts);
  sink: TelemetrySink;
  clock: Clock;
  ids: IdSource;
  /** Makes a fresh runtime id per invocation. */
  runtimeIds: IdSource;
  /** Only consulted for provider-access agents (credential values come from here). */
  secretEnv?: SecretEnvironment;
  /**
   * The deployed version (the Worker's BUILD_SHA var), stamped as `build_sha` on every envelope an agent
   * publishes, so any output can be traced to the code that made it.
   */
  buildSha?: string;
  /** Deployment-level settings (e.g. from Worker vars); snapshotted, never read live. */
  settings?: Readonly<Record<string, unknown>>;
  /** Deployment-level settings for one agent by id (the `AGENT_SETTINGS` var), above `settings`. */
  agentSettings?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Time bounds on effects (defaults: `DEFAULT_EFFECT_TIMEOUTS_MS`) and the timers they run on. */
  effectTimeouts?: EffectTimeouts;
  /**
   * The tenant's runtime settings for one agent (`config.patch`), read once per invocation before its context
   * is built; undefined when the tenant never patched anything. A read failure retries the message.
   */
  configOverlay?: (tenant: TenantView, agent: string) => Promise<ConfigOverlay | undefined>;
  /** Hears every model answer an agent gets (the ops layer counts calls, tokens and finish reasons per model). */
  onModelAnswer?: (role: ModelRole, answer: ModelAnswer) => void;
}

/** Messages frozen in place by `shareMessage`: every context takes them as they are. */
const shared = new WeakSet<object>();

/**
 * Freezes a freshly parsed message in place so every agent of one delivery can be given it without a
 * copy each (a context otherwise clones its message, since the caller may still hold and change it).
 * Only for a message nobody mutates afterwards: the parse the queue router made for this delivery.
 */
export function shareMessage<T extends object>(message: T): T {
  deepFreeze(message);
  shared.add(message);
  return message;
}

/** One merge of an agent's settings for one tenant, and the objects it was merged from. */
interface SettingsMerge {
  sources: readonly unknown[];
  value: Readonly<Record<string, unknown>>;
}

/** Per runtime (one batch or request): the last merge per agent and tenant. */
const merges = new WeakMap<ContextDependencies, Map<string, SettingsMerge>>();

/**
 * The agent's settings overlaid with the deployment's, the tenant's and the runtime overlay's, copied and
 * frozen. Every invocation of a batch used to clone and freeze its own copy; now invocations of one
 * runtime share the frozen copy for as long as every layer is the same object (a `config.patch` brings a
 * new overlay object, so the next invocation merges again).
 */
function mergedSettings(
  manifest: AgentManifest,
  deps: ContextDependencies,
  tenantView: TenantView,
  overlay: ConfigOverlay | undefined,
): Readonly<Record<string, unknown>> {
  const agentLayer = deps.agentSettings?.[manifest.id];
  const sources = [
    manifest.settings,
    deps.settings,
    agentLayer,
    tenantView.config.settings,
    overlay?.settings,
  ];
  let byKey = merges.get(deps);
  if (!byKey) {
    byKey = new Map();
    merges.set(deps, byKey);
  }
  const key = `${manifest.id}\n${tenantView.provider}/${tenantView.tenant}`;
  const last = byKey.get(key);
  if (last?.sources.every((s, i) => s === sources[i])) return last.value;
  const value = deepFreeze(
    structuredClone({
      ...manifest.settings,
      ...(deps.settings ?? {}),
      ...(agentLayer ?? {}),
      ...tenantView.config.settings,
      ...(overlay?.settings ?? {}),
    }),
  );
  byKey.set(key, { sources, value });
  return value;
}

function secretsFor(manifest: AgentManifest, message: Envelope, deps: ContextDependencies, policy: Policy) {
  if (!manifest.capabilities.includes('provider.secrets.read')) return undefined;
  policy.require('provider.secrets.read', 'context.secrets');
  if (!deps.secretEnv) {
    throw new PolicyDeniedError(
      'provider.secrets.read',
      { agent: manifest.id },
      'this runtime holds no credentials',
    );
  }
  return deps.registry.secretsFor(message.provider, message.tenant, deps.secretEnv);
}

/** Builds a frozen context; throws for an unknown tenant or an un-evaluable idempotency key. */
export function createRuntimeContext(
  manifest: AgentManifest,
  message: Envelope,
  deps: ContextDependencies,
  overlay?: ConfigOverlay,
  /** The invocation's effect bounds (its deadline sweep included); `deps.effectTimeouts` otherwise. */
  timeouts: EffectTimeouts | undefined = deps.effectTimeouts,
): RuntimeContext {
  const tenantView = deps.registry.tenant(message.provider, message.tenant);
  const runtimeId = deps.runtimeIds.next();
  const errorContext = {
    agent: manifest.id,
    provider: message.provider,
    tenant: message.tenant,
    topic: message.dst,
    intent: message.intent,
    ...(message.corr !== undefined && { corr: message.corr }),
  };
  const telemetry = new Telemetry(deps.sink, {
    runtime_id: runtimeId,
    agent: manifest.id,
    provider: message.provider,
    tenant: message.tenant,
    intent: message.intent,
    ...(message.corr !== undefined && { corr: message.corr }),
  });
  const policy = new Policy(manifest, errorContext, (call) => telemetry.log('debug', 'policy', { call }));
  const effects = createEffects({
    policy,
    ports: typeof deps.ports === 'function' ? deps.ports(tenantView) : deps.ports,
    broker: deps.broker,
    agentId: manifest.id,
    provider: message.provider,
    tenant: message.tenant,
    from: message,
    ...(deps.buildSha !== undefined && { build_sha: deps.buildSha }),
    ...(overlay !== undefined && { config_rev: overlay.config_rev }),
    clock: deps.clock,
    ids: deps.ids,
    context: errorContext,
    ...(timeouts !== undefined && { timeouts }),
    // Every model call is one telemetry line tagged with the model, so usage can be summed per model.
    onModelAnswer: (role, answer) => {
      deps.onModelAnswer?.(role, answer);
      telemetry.info('model call', {
        model: answer.model,
        model_role: role,
        offline: answer.offline,
        ...(answer.usage !== undefined && {
          prompt_tokens: answer.usage.prompt_tokens,
          total_tokens: answer.usage.total_tokens,
          ...(answer.usage.completion_tokens !== undefined && {
            completion_tokens: answer.usage.completion_tokens,
          }),
        }),
        ...(answer.finish_reason !== undefined && { finish_reason: answer.finish_reason }),
      });
    },
  });
  const settings = mergedSettings(manifest, deps, tenantView, overlay);
  const secrets = secretsFor(manifest, message, deps, policy);
  return Object.freeze({
    runtimeId,
    agent: Object.freeze({ id: manifest.id, kind: manifest.kind, version: manifest.version }),
    provider: message.provider,
    tenant: message.tenant,
    tenantView,
    message: shared.has(message) ? message : deepFreeze(structuredClone(message)),
    idempotencyKey: idempotencyKey(manifest.idempotency_key, message),
    effects,
    settings,
    ...(overlay !== undefined && { configRev: overlay.config_rev }),
    telemetry,
    clock: deps.clock,
    policy,
    ...(secrets !== undefined && { secrets }),
  });
}
