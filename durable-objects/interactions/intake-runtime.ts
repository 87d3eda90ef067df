/** Wires the interaction intake to the access Worker's bindings, read fresh for every request. */

import {
  componentTelemetry,
  consoleSink,
  type LogLevel,
  logLevelFor,
} from '@promethean/shared/agent/telemetry';
import { busFor } from '@promethean/shared/broker/bus-for';
import { type NumberVarSpec, numberVarOrFallback } from '@promethean/shared/platform/number-var';
import { ProviderRegistry } from '@promethean/shared/platform/provider-registry';
import providersYml from '../../providers.yml';
import { KNOWN_ADAPTERS } from '../src/runtime-dependencies.ts';
import type { IntakeLog } from './interaction-handoff.ts';
import type { IntakeDeps } from './interaction-intake.ts';
import { DEFAULT_MAX_SKEW_S } from './interaction-signature.ts';
import { DEFAULT_GUARD_DEADLINE_MS, durableAbandonedRequests, durableReplayGuard } from './replay-guard.ts';

/** How far a signature timestamp may be from now, either way (Discord's own tolerance is unpublished). */
export const INTERACTION_MAX_SKEW_S: NumberVarSpec = {
  name: 'INTERACTION_MAX_SKEW_S',
  fallback: DEFAULT_MAX_SKEW_S,
  min: 1,
  max: 3_600,
};

/** How long the replay guard may take before the interaction is refused: below Discord's 3 s answer deadline. */
export const INTERACTION_GUARD_DEADLINE_MS: NumberVarSpec = {
  name: 'INTERACTION_GUARD_DEADLINE_MS',
  fallback: DEFAULT_GUARD_DEADLINE_MS,
  min: 1,
  max: 2_900,
};

// One sink per isolate (per floor, which only a redeploy changes): the intake's dependencies are per request.
const intakeLogs = new Map<LogLevel, IntakeLog>();

/**
 * One JSON line per event, like the agents' telemetry and from the Worker's own `LOG_LEVEL` floor as
 * theirs is (warn unless configured): an info line for every interaction was a serialised console write
 * per command. Never given the interaction token.
 */
export function intakeLog(env: { PROMETHEAN_ENV?: unknown; LOG_LEVEL?: unknown }): IntakeLog {
  const floor = logLevelFor(env);
  let log = intakeLogs.get(floor);
  if (!log) {
    const telemetry = componentTelemetry('interactions-webhook', {}, consoleSink(floor));
    log = (level, msg, fields) => telemetry.log(level, msg, fields);
    intakeLogs.set(floor, log);
  }
  return log;
}

/** The intake's dependencies for one request. */
export function intakeDeps(env: AccessEnv, ctx: ExecutionContext): IntakeDeps {
  const vars = env as unknown as Record<string, unknown>;
  const maxSkewS = numberVarOrFallback(INTERACTION_MAX_SKEW_S, env.INTERACTION_MAX_SKEW_S);
  const broker = busFor(env, { bindings: ['BUS_EVENTS', 'BUS_ACCESS'] });
  return {
    env,
    registry: ProviderRegistry.fromYaml(providersYml, KNOWN_ADAPTERS),
    secretEnv: vars,
    guard: durableReplayGuard(
      env.INTERACTION_RECEIPTS,
      maxSkewS,
      numberVarOrFallback(INTERACTION_GUARD_DEADLINE_MS, env.INTERACTION_GUARD_DEADLINE_MS),
    ),
    abandoned: durableAbandonedRequests(env.INTERACTION_RECEIPTS),
    now: () => Date.now(),
    maxSkewS,
    waitUntil: (work) => ctx.waitUntil(work),
    publish: (envelope) => broker.publish(envelope),
    log: intakeLog(vars),
  };
}
