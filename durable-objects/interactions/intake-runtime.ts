/** Wires the interaction intake to the access Worker's bindings, read fresh for every request. */

import { componentTelemetry, consoleSink, logLevelFor } from '@promethean/shared/agent/telemetry';
import { busFor } from '@promethean/shared/broker/bus-for';
import { ProviderRegistry } from '@promethean/shared/platform/provider-registry';
import providersYml from '../../providers.yml';
import { KNOWN_ADAPTERS } from '../src/runtime-dependencies.ts';
import type { IntakeLog } from './interaction-handoff.ts';
import type { IntakeDeps } from './interaction-intake.ts';
import { DEFAULT_MAX_SKEW_S } from './interaction-signature.ts';
import { DEFAULT_GUARD_DEADLINE_MS, durableAbandonedRequests, durableReplayGuard } from './replay-guard.ts';

/** A positive number from an optional string variable, else the default. */
export function numberSetting(value: unknown, fallback: number): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/**
 * One JSON line per event, like the agents' telemetry and from the Worker's own `LOG_LEVEL` floor as
 * theirs is (warn unless configured): an info line for every interaction was a serialised console write
 * per command. Never given the interaction token.
 */
export function intakeLog(env: { PROMETHEAN_ENV?: unknown; LOG_LEVEL?: unknown }): IntakeLog {
  const telemetry = componentTelemetry('interactions-webhook', {}, consoleSink(logLevelFor(env)));
  return (level, msg, fields) => telemetry.log(level, msg, fields);
}

/** The intake's dependencies for one request. */
export function intakeDeps(env: AccessEnv, ctx: ExecutionContext): IntakeDeps {
  const vars = env as unknown as Record<string, unknown>;
  const maxSkewS = numberSetting(vars.INTERACTION_MAX_SKEW_S, DEFAULT_MAX_SKEW_S);
  const broker = busFor(env, { bindings: ['BUS_EVENTS', 'BUS_ACCESS'] });
  return {
    env,
    registry: ProviderRegistry.fromYaml(providersYml, KNOWN_ADAPTERS),
    secretEnv: vars,
    guard: durableReplayGuard(
      env.INTERACTION_RECEIPTS,
      maxSkewS,
      numberSetting(vars.INTERACTION_GUARD_DEADLINE_MS, DEFAULT_GUARD_DEADLINE_MS),
    ),
    abandoned: durableAbandonedRequests(env.INTERACTION_RECEIPTS),
    now: () => Date.now(),
    maxSkewS,
    waitUntil: (work) => ctx.waitUntil(work),
    publish: (envelope) => broker.publish(envelope),
    log: intakeLog(vars),
  };
}
