/**
 * promethean-access: the only Worker bound to provider credentials. Its default entrypoint serves
 * HTTP and the access queue, and offers typed RPC to the functions Worker's `ACCESS` service binding.
 */
import { WorkerEntrypoint } from 'cloudflare:workers';
import type { HealthReport } from '@promethean/shared/agent/agent-health';
import { healthOf } from '@promethean/shared/agent/isolate-health';
import { z } from 'zod';
import { ACCESS_AGENTS } from './access-agents.ts';
import { app } from './http-app.ts';
import { consumeAccessQueue } from './queue-consumer.ts';

export { EchoConversation } from '../objects/echo-conversation.ts';
export { GatewaySession } from '../objects/gateway-session.ts';
export { RestBuckets } from '../objects/rest-buckets.ts';

const InteractionHandover = z.object({
  tenant: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/),
  urn: z.string().startsWith('urn:discord:interaction:'),
  application_id: z.string().min(1),
  token: z.string().min(1).max(500),
  received_at: z.number().int().positive(),
});

export default class AccessWorker extends WorkerEntrypoint<AccessEnv> {
  override fetch(request: Request): Response | Promise<Response> {
    return app.fetch(request, this.env, this.ctx);
  }

  override async queue(batch: MessageBatch<unknown>): Promise<void> {
    await consumeAccessQueue(batch, this.env, this.ctx);
  }

  /**
   * The functions Worker hands each interaction token straight here; the tenant's RestBuckets keeps
   * it until Discord expires it, so only the interaction's URN ever travels on the bus.
   */
  async holdInteractionToken(input: unknown): Promise<void> {
    const h = InteractionHandover.parse(input);
    const rest = this.env.REST_BUCKETS.get(this.env.REST_BUCKETS.idFromName(h.tenant));
    await rest.holdInteractionToken({
      urn: h.urn,
      application_id: h.application_id,
      token: h.token,
      received_at: h.received_at,
    });
  }

  /** Health of this isolate's access agents, for the functions Worker's /status and status page. */
  accessHealth(): HealthReport[] {
    return ACCESS_AGENTS.map((a) => healthOf(a).report());
  }
}
