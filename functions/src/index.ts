/** promethean-functions: wires the HTTP app, the queue consumer and the cron tick; holds no provider credential. */
import { scheduledHealth } from '../ops/functions-ops.ts';
import { app } from './http-app.ts';
import { assertMayStart } from './middleware/startup-refusal.ts';
import { consumeQueue } from './queue-consumer.ts';

export { VoicePlayback } from '../agents/voice-mixer/voice-playback.ts';
export { CrawlHost } from '../agents/web-crawler/crawl-host.ts';
export { CrawlJob } from '../agents/web-crawler/crawl-job.ts';
export { ApiKeys } from '../api/api-keys.ts';
export { LlmGateway } from '../llm-gateway/llm-gateway.ts';
export { AdminSessions } from '../ops/admin-sessions.ts';
export { DeadLetterArchive } from '../ops/dead-letter-archive.ts';
export { OpsLedger } from '../ops/ops-ledger.ts';
export { MongoDocuments } from '../storage/mongo-documents.ts';
export { ReplyMailbox } from '../storage/reply-mailbox.ts';
export { TenantDocuments } from '../storage/tenant-documents.ts';
export { TenantLeases } from '../storage/tenant-leases.ts';

export default {
  fetch: app.fetch,
  queue: (batch, env, ctx) => {
    assertMayStart(env);
    return consumeQueue(batch, env, ctx);
  },
  scheduled: (_controller, env, ctx) => {
    assertMayStart(env);
    ctx.waitUntil(scheduledHealth(env));
  },
} satisfies ExportedHandler<FunctionsEnv>;
