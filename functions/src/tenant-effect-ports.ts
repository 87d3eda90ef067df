/**
 * The model, blob, HTTP and attachment-egress ports a tenant's invocation gets, built from this
 * Worker's env on every batch or request (never cached): the online or offline ModelPort
 * (docs/models.md), R2 blobs under the tenant's prefix, and the egress the deployment chose
 * (docs/attachments.md), all behind the SSRF guard.
 */
import { NonRetriableError } from '@promethean/shared/agent/agent-errors';
import { componentTelemetry } from '@promethean/shared/agent/telemetry';
import type { EffectPorts } from '@promethean/shared/effects/effect-ports';
import type { AttachmentEgress } from '@promethean/shared/net/attachment-egress';
import { ContainerEgress } from '@promethean/shared/net/container-egress';
import { DirectEgress } from '@promethean/shared/net/direct-egress';
import { EgressConfigurationError } from '@promethean/shared/net/egress-errors';
import { guardedHttpFetch } from '@promethean/shared/net/guarded-http-fetch';
import { type SsrfPolicy, ssrfPolicy } from '@promethean/shared/net/ssrf-policy';
import { insecureTransportProblem } from '@promethean/shared/net/transport-security';
import type { TenantView } from '@promethean/shared/platform/provider-registry';
import { z } from 'zod';
import { R2BlobStore } from '../blobs/r2-blob-store.ts';
import { createModelPort } from '../models/model-port-factory.ts';

const log = componentTelemetry('tenant-egress');

const text = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
  z.string().trim().optional(),
);

/** The egress variables; see docs/attachments.md. */
const EgressEnvironment = z.object({
  PROMETHEAN_ENV: text,
  ATTACHMENT_EGRESS: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.enum(['direct', 'container']).default('direct'),
  ),
  VOICE_HOST_URL: text.pipe(z.url({ protocol: /^https?$/ }).optional()),
  EGRESS_SHARED_SECRET: text.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  /** NEVER FOR PRODUCTION: comma-separated loopback origins the guard lets through (tests, local dev). */
  SSRF_TRUSTED_ORIGINS: text,
});

/** What this isolate has already said about its egress (said once, re-read every time). */
const announced = new Set<string>();
function announceOnce(
  key: string,
  level: 'warn' | 'error',
  msg: string,
  fields: Record<string, unknown>,
): void {
  if (announced.has(key)) return;
  announced.add(key);
  log.log(level, msg, fields);
}

/** An egress that fails every call with the configuration problem, so the first attachment shows it. */
function misconfiguredEgress(problem: string): AttachmentEgress {
  return {
    kind: 'direct',
    fetchAttachment: () => Promise.reject(new EgressConfigurationError(`attachment egress: ${problem}`)),
  };
}

function guardPolicy(e: z.infer<typeof EgressEnvironment>): SsrfPolicy {
  const trusted = (e.SSRF_TRUSTED_ORIGINS ?? '').split(',').filter((o) => o.trim() !== '');
  if (trusted.length === 0) return ssrfPolicy();
  // Fail closed: only an explicit development environment may trust loopback origins.
  if (e.PROMETHEAN_ENV !== 'development') {
    throw new NonRetriableError(
      `SSRF_TRUSTED_ORIGINS is set while PROMETHEAN_ENV=${e.PROMETHEAN_ENV ?? '(unset)'}; it is for tests and local dev (PROMETHEAN_ENV=development) only`,
    );
  }
  announceOnce(
    `trusted:${trusted.join(',')}`,
    'warn',
    'SSRF guard: TRUSTED ORIGINS ARE ENABLED (tests/local dev only; never in production)',
    { trusted_origins: trusted },
  );
  return ssrfPolicy({ trusted_origins: trusted });
}

function egressFor(e: z.infer<typeof EgressEnvironment>, policy: SsrfPolicy): AttachmentEgress {
  const runtimeFetch = (input: string | URL | Request, init?: RequestInit) => fetch(input, init);
  if (e.ATTACHMENT_EGRESS === 'direct') return new DirectEgress({ fetch: runtimeFetch, policy });
  const insecure = e.VOICE_HOST_URL ? insecureTransportProblem(e.VOICE_HOST_URL, 'https') : undefined;
  if (insecure) return misconfiguredEgress(`VOICE_HOST_URL ${insecure}`);
  if (!e.VOICE_HOST_URL || !e.EGRESS_SHARED_SECRET) {
    return misconfiguredEgress(
      'ATTACHMENT_EGRESS=container needs VOICE_HOST_URL and the EGRESS_SHARED_SECRET secret',
    );
  }
  return new ContainerEgress({
    baseUrl: e.VOICE_HOST_URL,
    secret: e.EGRESS_SHARED_SECRET,
    fetch: runtimeFetch,
    policy,
  });
}

/** The SSRF policy this Worker's env sets: the crawler's fetchers check every URL with it (throws when misconfigured). */
export function egressPolicy(env: FunctionsEnv): SsrfPolicy {
  const parsed = EgressEnvironment.parse(env as unknown as Readonly<Record<string, unknown>>);
  return guardPolicy(parsed);
}

/** Models, blobs, guarded fetch and the attachment egress for one tenant. */
export function tenantEffectPorts(
  env: FunctionsEnv,
  tenant: TenantView,
): Pick<EffectPorts, 'models' | 'blobs' | 'fetch' | 'egress'> {
  const vars = env as unknown as Readonly<Record<string, unknown>>;
  const models = createModelPort(vars, { scope: { provider: tenant.provider, tenant: tenant.tenant } });
  const blobs = new R2BlobStore(env.BLOBS, tenant.provider, tenant.tenant);
  const parsed = EgressEnvironment.safeParse(vars);
  if (!parsed.success) {
    const problem = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    return { models, blobs, egress: misconfiguredEgress(problem) };
  }
  let policy: SsrfPolicy;
  try {
    policy = guardPolicy(parsed.data);
  } catch (e) {
    return { models, blobs, egress: misconfiguredEgress((e as Error).message) };
  }
  const fetchPort = guardedHttpFetch({ fetch: (input, init) => fetch(input, init), policy });
  return { models, blobs, fetch: fetchPort, egress: egressFor(parsed.data, policy) };
}
