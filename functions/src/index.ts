/** promethean-functions: wires the HTTP app and the queue consumer; holds no provider credential. */
import { app } from './http-app.ts';
import { consumeQueue } from './queue-consumer.ts';

export { MongoDocuments } from '../storage/mongo-documents.ts';
export { ReplyMailbox } from '../storage/reply-mailbox.ts';
export { TenantDocuments } from '../storage/tenant-documents.ts';
export { TenantLeases } from '../storage/tenant-leases.ts';

export default {
  fetch: app.fetch,
  queue: consumeQueue,
} satisfies ExportedHandler<FunctionsEnv>;
