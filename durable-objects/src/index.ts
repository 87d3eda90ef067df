/** promethean-access: the only Worker bound to provider credentials; wires HTTP, queue and Durable Objects. */
import { app } from './http-app.ts';
import { consumeAccessQueue } from './queue-consumer.ts';

export { EchoConversation } from '../objects/echo-conversation.ts';

export default {
  fetch: app.fetch,
  queue: consumeAccessQueue,
} satisfies ExportedHandler<AccessEnv>;
