/**
 * The functions Worker refuses to run with a provider credential (or a weak ADMIN_TOKEN) bound to it:
 * every HTTP request answers 500 naming the binding, and queue batches and cron ticks throw, so the
 * platform retries them once an operator has fixed the deployment. Nothing is lost, nothing is served.
 */

import { componentTelemetry } from '@promethean/shared/agent/telemetry';
import {
  CredentialBindingError,
  credentialBindingProblems,
} from '@promethean/shared/platform/credential-binding-refusal';
import { ProviderRegistry } from '@promethean/shared/platform/provider-registry';
import type { MiddlewareHandler } from 'hono';
import providersYml from '../../../providers.yml';

const checked = new WeakMap<object, CredentialBindingError | null>();

/** The refusal for this environment, or null when it may run; computed once per bindings object. */
export function startupRefusal(env: object): CredentialBindingError | null {
  const known = checked.get(env);
  if (known !== undefined) return known;
  const problems = credentialBindingProblems(
    env as Record<string, unknown>,
    ProviderRegistry.fromYaml(providersYml).credentialVariables(),
  );
  const refusal = problems.length === 0 ? null : new CredentialBindingError('promethean-functions', problems);
  if (refusal)
    componentTelemetry('promethean-functions').error(refusal.message, { bindings: refusal.bindings });
  checked.set(env, refusal);
  return refusal;
}

/** Throws the refusal (queue and cron handlers: the batch is retried, never acked). */
export function assertMayStart(env: object): void {
  const refusal = startupRefusal(env);
  if (refusal) throw refusal;
}

/** Answers every request with the refusal while the deployment is misconfigured. */
export const refuseMisconfiguredStart = (): MiddlewareHandler =>
  async function refuseMisconfiguredStart(c, next) {
    const refusal = startupRefusal(c.env as object);
    if (refusal) return c.json({ error: 'misconfigured_deployment', message: refusal.message }, 500);
    await next();
  };
