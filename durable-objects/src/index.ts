/**
 * promethean-access: the only Worker bound to provider credentials. Its default entrypoint serves
 * HTTP and the access queue, and offers typed RPC to the functions Worker's `ACCESS` service binding.
 */
import { WorkerEntrypoint } from 'cloudflare:workers';
import type { HealthReport } from '@promethean/shared/agent/agent-health';
import type { AccessStatus } from '@promethean/shared/ops/access-status';
import type { AccessRpc } from '@promethean/shared/platform/access-rpc';
import {
  type CommandSyncFailure,
  type CommandSyncReport,
  InteractionAbandonment,
  type InteractionReply,
} from '@promethean/shared/platform/interaction-intake';
import { ProviderRegistry } from '@promethean/shared/platform/provider-registry';
import { VoicePlayRequest } from '@promethean/shared/platform/voice-play-request';
import providersYml from '../../providers.yml';
import { syncCommands } from '../interactions/command-sync.ts';
import { intakeDeps } from '../interactions/intake-runtime.ts';
import { acceptInteraction } from '../interactions/interaction-intake.ts';
import { durableAbandonedRequests } from '../interactions/replay-guard.ts';
import type { RestResult } from '../rest/rest-executor.ts';
import { accessChecks, accessLedger, accessOps, accessStatus, countedAccessEnv } from './access-ops.ts';
import { app } from './http-app.ts';
import { consumeAccessQueue } from './queue-consumer.ts';
import { createAccessRuntime } from './runtime-dependencies.ts';

export { EchoConversation } from '../objects/echo-conversation.ts';
export { GatewaySession } from '../objects/gateway-session.ts';
export { InteractionReceipts } from '../objects/interaction-receipts.ts';
export { RestBuckets } from '../objects/rest-buckets.ts';
export { VoiceHostContainer } from '../objects/voice-host-container.ts';
export { VoiceHostLink } from '../objects/voice-host-link.ts';

export default class AccessWorker extends WorkerEntrypoint<AccessEnv> implements AccessRpc {
  override fetch(request: Request): Response | Promise<Response> {
    return app.fetch(request, this.env, this.ctx);
  }

  override async queue(batch: MessageBatch<unknown>): Promise<void> {
    await consumeAccessQueue(batch, this.env, this.ctx);
  }

  /**
   * A signed interaction's raw bytes, from the functions Worker's public webhook: the provider's
   * adapter verifies and answers it here, where its public key and its token may live. The token goes
   * to the tenant's RestBuckets (after the answer, in waitUntil); only the interaction URN reaches the bus.
   */
  async acceptInteraction(input: unknown): Promise<InteractionReply> {
    return acceptInteraction(input, intakeDeps(this.env, this.ctx));
  }

  /**
   * The functions Worker answered the provider 503 for this request (it stopped waiting): if its
   * hand-off has not published yet, it will not; the user's failure message stays the truth.
   */
  async abandonInteraction(input: unknown): Promise<void> {
    const parsed = InteractionAbandonment.safeParse(input);
    if (!parsed.success) return;
    const { provider, tenant, request_id } = parsed.data;
    await durableAbandonedRequests(this.env.INTERACTION_RECEIPTS).abandon(
      provider,
      tenant,
      request_id,
      Date.now(),
    );
  }

  /** Registers the tenant's slash commands (an idempotent bulk overwrite through its RestBuckets). */
  async syncCommands(input: unknown): Promise<CommandSyncReport | CommandSyncFailure> {
    return syncCommands(input, ProviderRegistry.fromYaml(providersYml), (tenant) => {
      const stub = this.env.REST_BUCKETS.get(this.env.REST_BUCKETS.idFromName(tenant));
      return { call: (t, call) => stub.call(t, call) as unknown as Promise<RestResult> };
    });
  }

  /**
   * A playback chunk from the functions Worker's voice-mixer, for the tenant's voice host: sent down the
   * control connection of its VoiceHostLink (the host fetches the PCM from `url`).
   */
  async voicePlay(input: unknown): Promise<{ ok: boolean; reason?: string }> {
    const parsed = VoicePlayRequest.safeParse(input);
    if (!parsed.success) return { ok: false, reason: `invalid voice play request: ${parsed.error.message}` };
    const { provider, tenant, item, url } = parsed.data;
    const link = this.env.VOICE_HOST_LINK.get(this.env.VOICE_HOST_LINK.idFromName(`${provider}:${tenant}`));
    return link.play(item, url);
  }

  /** Health of this isolate's access agents, for the functions Worker's /status and status page. */
  accessHealth(): HealthReport[] {
    return accessOps().healthReports();
  }

  /**
   * Every tenant's access state (REST buckets and invalid-request budget, realtime sessions) and this
   * isolate's agent health, for the functions Worker's status snapshot and /metrics.
   */
  async accessStatus(): Promise<AccessStatus> {
    return accessStatus(countedAccessEnv(this.env, accessOps()), accessOps());
  }

  /** The cron tick: readiness checks, every agent's health event, one flush to the ops ledger. */
  override async scheduled(_controller: ScheduledController): Promise<void> {
    const ops = accessOps();
    ops.recorder.invocation();
    const env = countedAccessEnv(this.env, ops);
    await ops.checkReadiness((agent) => accessChecks(env, agent));
    await ops.publishHealth(createAccessRuntime(env).broker, true);
    const ledger = accessLedger(this.env);
    if (ledger) await ops.flush(ledger);
  }
}
