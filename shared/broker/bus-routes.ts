/** Which queue carries which topics: commands for the access layer go to its queue, the rest to the events queue. */
import { topicMatches } from '../platform/topics.ts';

export interface BusRoute {
  pattern: string;
  /** The producer binding name in the Worker's env. */
  binding: string;
  /**
   * A broker without this binding skips the route (the topic falls through to the next match): the
   * voice queue is an addition that Workers and tests without it do not need.
   */
  optional?: boolean;
}

/** The first matching route wins; the last one catches everything. */
export const BUS_ROUTES: readonly BusRoute[] = Object.freeze([
  { pattern: 'promethean.p.*.t.*.commands.>', binding: 'BUS_ACCESS' },
  { pattern: 'promethean.p.*.t.*.control.>', binding: 'BUS_ACCESS' },
  { pattern: 'promethean.p.*.t.*.rest.request', binding: 'BUS_ACCESS' },
  { pattern: 'promethean.p.*.t.*.voice.control.>', binding: 'BUS_ACCESS' },
  // The latency-critical voice path (docs/voice.md, "Latency"): its own queue, delivered without batching delay.
  { pattern: 'promethean.p.*.t.*.voice.>', binding: 'BUS_VOICE', optional: true },
  { pattern: 'promethean.p.*.t.*.events.reply.message', binding: 'BUS_VOICE', optional: true },
  // The web crawl's frontier (docs/agents/web-crawler.md, "Throughput"): its own queue, no batching delay.
  { pattern: 'promethean.p.*.t.*.jobs.web.crawl.>', binding: 'BUS_CRAWL', optional: true },
  { pattern: 'promethean.>', binding: 'BUS_EVENTS' },
]);

/** The binding that carries a topic. */
export function routeFor(topic: string, routes: readonly BusRoute[] = BUS_ROUTES): BusRoute {
  const route = routes.find((r) => topicMatches(r.pattern, topic));
  if (!route) throw new Error(`no bus route carries topic ${topic}`);
  return route;
}

/** The Cloudflare queue behind each producer binding (the same in both Workers' wrangler.toml). */
export const QUEUE_NAMES: Readonly<Record<string, string>> = Object.freeze({
  BUS_EVENTS: 'promethean-events',
  BUS_ACCESS: 'promethean-access-commands',
  BUS_VOICE: 'promethean-voice',
  BUS_CRAWL: 'promethean-crawl',
  DEAD_LETTERS: 'promethean-dead-letters',
});

/** The queue that keeps messages the bus gave up on. */
export const DEAD_LETTER_QUEUE = 'promethean-dead-letters';

/** The producer binding that writes to a queue, by the queue's name. */
export function bindingOfQueue(queue: string): string | undefined {
  return Object.entries(QUEUE_NAMES).find(([, name]) => name === queue)?.[0];
}
