/**
 * The chaos suite's workerd half: the real `TenantDocuments` Durable Object behind one small JSON route, so
 * the agents (in Node) reach it the way the functions Worker does (`DurableObjectDocumentStore`, one stub
 * per request) while the suite evicts the object between requests. Only the chaos suite runs this Worker.
 */
import { NonRetriableError } from '@promethean/shared/agent/agent-errors';
import { StoreUnavailableError } from '@promethean/shared/effects/storage-errors';
import { DurableObjectDocumentStore } from '../../functions/storage/durable-object-document-store.ts';
import { TenantDocuments as StoredTenantDocuments } from '../../functions/storage/tenant-documents.ts';

/**
 * The production class plus one method naming the running instance, so the suite can prove that an
 * eviction really replaced the object (a fresh constructor, the same SQLite storage).
 */
export class TenantDocuments extends StoredTenantDocuments {
  readonly #instance = crypto.randomUUID();
  instance(): string {
    return this.#instance;
  }
}

interface Env {
  TENANT_DOCUMENTS: DurableObjectNamespace<TenantDocuments>;
}

/** The DocumentStore methods the route forwards, and `instance`. */
const METHODS = new Set(['upsertMany', 'get', 'getMany', 'find', 'count', 'instance']);

interface Call {
  provider: string;
  tenant: string;
  method: string;
  args: unknown[];
}

function isCall(body: unknown): body is Call {
  const c = body as Partial<Call> | null;
  return (
    typeof c?.provider === 'string' &&
    typeof c.tenant === 'string' &&
    typeof c.method === 'string' &&
    METHODS.has(c.method) &&
    Array.isArray(c.args)
  );
}

async function run(env: Env, call: Call): Promise<unknown> {
  if (call.method === 'instance') {
    const ns = env.TENANT_DOCUMENTS;
    return ns.get(ns.idFromName(`${call.provider}:${call.tenant}`)).instance();
  }
  const store = new DurableObjectDocumentStore(env.TENANT_DOCUMENTS as never, call.provider, call.tenant);
  const method = (store as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[call.method];
  return method?.apply(store, call.args);
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const body: unknown = await request.json().catch(() => undefined);
    if (request.method !== 'POST' || !isCall(body)) {
      return Response.json(
        { error: { kind: 'invalid', name: 'BadRequest', message: 'POST {provider, tenant, method, args}' } },
        { status: 400 },
      );
    }
    try {
      return Response.json({ result: (await run(env, body)) ?? null });
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      const kind =
        e instanceof NonRetriableError
          ? 'invalid'
          : e instanceof StoreUnavailableError
            ? 'unavailable'
            : 'failed';
      return Response.json(
        { error: { kind, name: error.name, message: error.message } },
        { status: kind === 'invalid' ? 400 : 503 },
      );
    }
  },
} satisfies ExportedHandler<Env>;
