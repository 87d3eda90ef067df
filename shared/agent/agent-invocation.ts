/** Runs one agent on one message: validate, build the context, handle, and classify the outcome. */

import type { Envelope, TypedEnvelope } from '@promethean/schemas/envelope';
import type { ErrorCode } from '@promethean/schemas/ops/ops-messages';
import { ErrorEvent } from '@promethean/schemas/ops/ops-messages';
import { bounded } from '../effects/effect-timeouts.ts';
import { DeadlineSweep } from '../ops/deadline-sweep.ts';
import { UnknownProviderError, UnknownTenantError } from '../platform/registry-errors.ts';
import type { Agent } from './agent-definition.ts';
import {
  EffectTimeoutError,
  InvalidMessageError,
  NonRetriableError,
  OverloadedError,
  PolicyDeniedError,
  RetryAfterError,
} from './agent-errors.ts';
import { createEnvelope, type EnvelopeOrigin, parseTypedEnvelope } from './envelope-factory.ts';
import { bindsTenant } from './manifest-loader.ts';
import { type ContextDependencies, createRuntimeContext } from './runtime-context.ts';

export type InvocationOutcome =
  | { outcome: 'ok'; latencyMs: number }
  | { outcome: 'skipped'; reason: string }
  | { outcome: 'retry'; error: Error; code: ErrorCode; delayMs?: number; latencyMs: number }
  | { outcome: 'failed'; error: Error; code: ErrorCode; latencyMs: number };

function classify(error: unknown): { retriable: boolean; code: ErrorCode; delayMs?: number } {
  if (error instanceof PolicyDeniedError) return { retriable: false, code: 'policy_denied' };
  if (error instanceof InvalidMessageError) return { retriable: false, code: error.code };
  if (error instanceof UnknownProviderError || error instanceof UnknownTenantError) {
    return { retriable: false, code: 'unknown_tenant' };
  }
  if (error instanceof NonRetriableError) return { retriable: false, code: 'handler_failed' };
  if (error instanceof RetryAfterError) {
    const code: ErrorCode =
      error instanceof OverloadedError
        ? 'overloaded'
        : error instanceof EffectTimeoutError
          ? 'timeout'
          : 'handler_failed';
    return { retriable: true, code, delayMs: error.retryAfterMs };
  }
  return { retriable: true, code: 'handler_failed' };
}

/** Trace fields an error event can take from a message that may itself be malformed. */
function originOf(raw: Partial<Envelope>): { from: EnvelopeOrigin } | { corr: string } | undefined {
  const usable = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 200;
  const corr = typeof raw.corr === 'string' && raw.corr.length > 0 ? raw.corr : undefined;
  if (!usable(raw.id)) return corr !== undefined ? { corr } : undefined;
  return {
    from: {
      id: raw.id,
      ...(usable(raw.trace) && { trace: raw.trace }),
      ...(corr !== undefined && { corr }),
    },
  };
}

/** Publishes the `error` event for a message that will not be retried; never throws. */
export async function publishErrorEvent(
  deps: ContextDependencies,
  agentId: string,
  raw: Partial<Envelope>,
  code: ErrorCode,
  error: Error,
  retriable: boolean,
): Promise<void> {
  const provider =
    typeof raw.provider === 'string' && /^[a-z0-9][a-z0-9_-]*$/.test(raw.provider) ? raw.provider : 'unknown';
  const tenant =
    typeof raw.tenant === 'string' && /^[a-z0-9][a-z0-9_-]*$/.test(raw.tenant) ? raw.tenant : 'unknown';
  try {
    const env = createEnvelope(
      ErrorEvent,
      {
        code,
        message: error.message,
        agent: agentId,
        retriable,
        ...(typeof raw.dst === 'string' && { topic: raw.dst }),
        ...(typeof raw.intent === 'string' && { failed_intent: raw.intent }),
        ...(typeof raw.id === 'string' && { failed_envelope_id: raw.id }),
      },
      {
        src: agentId,
        provider,
        tenant,
        clock: deps.clock,
        ids: deps.ids,
        ...originOf(raw),
        ...(deps.buildSha !== undefined && { build_sha: deps.buildSha }),
      },
    );
    await deps.broker.publish(env);
  } catch (publishFailure) {
    // The error event is best effort: the message itself still goes to the dead letters.
    deps.sink.write({
      level: 'error',
      msg: 'could not publish error event',
      runtime_id: 'n/a',
      agent: agentId,
      provider,
      tenant,
      error: String(publishFailure),
    });
  }
}

/** Invokes `agent` on a raw message; never throws (every failure becomes an outcome). */
export async function invokeAgent(
  agent: Agent,
  raw: unknown,
  deps: ContextDependencies,
): Promise<InvocationOutcome> {
  const started = deps.clock.now();
  let message: ReturnType<typeof parseTypedEnvelope>;
  try {
    message = parseTypedEnvelope(raw);
  } catch (e) {
    return refuseInvalidMessage(agent, raw, e as Error, deps, started);
  }
  if (!bindsTenant(agent.manifest, message.provider, message.tenant)) {
    return {
      outcome: 'skipped',
      reason: `${agent.manifest.id} does not bind ${message.provider}/${message.tenant}`,
    };
  }
  return invokeParsed(agent, message, deps, started);
}

/**
 * The outcome for a message that did not parse at its boundary: an `error` event, and `failed` with the
 * parse error's code (never retried: it would not parse the next time either). Never throws.
 */
export async function refuseInvalidMessage(
  agent: Agent,
  raw: unknown,
  error: Error,
  deps: ContextDependencies,
  started = deps.clock.now(),
): Promise<InvocationOutcome> {
  const code = classify(error).code;
  await publishErrorEvent(deps, agent.manifest.id, (raw ?? {}) as Partial<Envelope>, code, error, false);
  return { outcome: 'failed', error, code, latencyMs: deps.clock.now() - started };
}

/**
 * Invokes `agent` on a message its caller already parsed at the boundary it came through and found the
 * agent binds (the queue router: `parseEnvelope` + `parsePayload`, `subscribersOf`); nothing is parsed
 * or checked again. Never throws.
 */
export async function invokeParsed(
  agent: Agent,
  message: TypedEnvelope<unknown>,
  deps: ContextDependencies,
  started = deps.clock.now(),
): Promise<InvocationOutcome> {
  const latency = () => deps.clock.now() - started;
  let telemetry: ReturnType<typeof createRuntimeContext>['telemetry'] | undefined;
  const deadlines = new DeadlineSweep(deps.effectTimeouts?.scheduler);
  const timeouts = { ...deps.effectTimeouts, deadlines };
  try {
    // The runtime settings are read once, before the context: the whole invocation runs on one revision.
    const overlay = deps.configOverlay
      ? await bounded(
          'documents',
          'config overlay read',
          deps.configOverlay(deps.registry.tenant(message.provider, message.tenant), agent.manifest.id),
          {
            agent: agent.manifest.id,
            provider: message.provider,
            tenant: message.tenant,
            topic: message.dst,
          },
          timeouts,
        )
      : undefined;
    const ctx = createRuntimeContext(agent.manifest, message, deps, overlay, timeouts);
    telemetry = ctx.telemetry;
    // The handler sees the context's frozen copy: a parse may be shared by several agents of one delivery.
    await agent.handle(ctx.message as TypedEnvelope<unknown>, ctx);
    telemetry.info('handled', { latency_ms: latency(), outcome: 'ok' });
    return { outcome: 'ok', latencyMs: latency() };
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    const c = classify(error);
    const fields = { latency_ms: latency(), error: error.message, error_name: error.name };
    if (c.retriable) {
      telemetry?.warn('will retry', { ...fields, outcome: 'retry' });
      return {
        outcome: 'retry',
        error,
        code: c.code,
        latencyMs: latency(),
        ...(c.delayMs !== undefined && { delayMs: c.delayMs }),
      };
    }
    telemetry?.error('failed', { ...fields, outcome: c.code === 'policy_denied' ? 'denied' : 'error' });
    await publishErrorEvent(deps, agent.manifest.id, message, c.code, error, false);
    return { outcome: 'failed', error, code: c.code, latencyMs: latency() };
  } finally {
    deadlines.close();
  }
}
