/**
 * The Worker `npm run bench:admission` starts: times N admit/release cycles in workerd, either with the
 * per-isolate AdmissionController or with a global per-tenant counter in a Durable Object (two RPCs).
 */
import { DurableObject } from 'cloudflare:workers';
import { AdmissionController } from '../../shared/agent/admission-control.ts';

interface BenchEnv {
  TENANT_IN_FLIGHT: DurableObjectNamespace<TenantInFlight>;
}

/** What a global per-tenant in-flight limit would need: one counter object, acquire and release. */
export class TenantInFlight extends DurableObject<BenchEnv> {
  readonly #count = new Map<string, number>();

  acquire(tenant: string, limit: number): boolean {
    const n = this.#count.get(tenant) ?? 0;
    if (n >= limit) return false;
    this.#count.set(tenant, n + 1);
    return true;
  }

  release(tenant: string): void {
    this.#count.set(tenant, Math.max(0, (this.#count.get(tenant) ?? 1) - 1));
  }
}

const agent = { id: 'bench', limits: { max_in_flight: 64, max_in_flight_per_tenant: 16 } };

export default {
  async fetch(request: Request, env: BenchEnv): Promise<Response> {
    const url = new URL(request.url);
    const n = Number(url.searchParams.get('n') ?? '0');
    const started = performance.now();
    if (url.pathname === '/isolate') {
      const admission = new AdmissionController();
      for (let i = 0; i < n; i++) admission.admit(agent, 'discord/duck').release(1);
    } else if (url.pathname === '/object') {
      const stub = env.TENANT_IN_FLIGHT.get(env.TENANT_IN_FLIGHT.idFromName('global'));
      for (let i = 0; i < n; i++) {
        if (await stub.acquire('discord/duck', 16)) await stub.release('discord/duck');
      }
    } else {
      return new Response('ok');
    }
    return Response.json({ ms: performance.now() - started });
  },
} satisfies ExportedHandler<BenchEnv>;
