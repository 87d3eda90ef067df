/**
 * The functions Worker's crawl settings, read from its variables: whether the CrawlHost objects keep a
 * queue of waiters for this Worker's crawls (`CRAWL_HOST_QUEUE`). Read where the crawl port is built, so a
 * deployment turns the queue on where it should be measured without a code change.
 */
import { type ErrorContext, RetryAfterError } from '@promethean/shared/agent/agent-errors';
import { z } from 'zod';

export interface CrawlEnv {
  /** CrawlHost queues waiters and grants starts ahead (HOST_QUEUE_HORIZON_MS); off by default. */
  hostQueue: boolean;
}

/**
 * A crawl variable this Worker cannot read. Retried slowly: the frontier items wait in the queue (and end in
 * the dead-letter queue, not lost) until an operator fixes the variable.
 */
export class CrawlConfigurationError extends RetryAfterError {
  override readonly name = 'CrawlConfigurationError';
  constructor(
    message: string,
    /** The environment variable an operator has to fix. */
    readonly variable: string,
    context: ErrorContext = {},
  ) {
    super(message, 60_000, context);
  }
}

// Empty is the default (off), so wrangler.toml can ship the variable unset.
const HostQueue = z.enum(['', 'off', 'on']);

export function readCrawlEnv(env: object, context: ErrorContext = {}): CrawlEnv {
  const raw = (env as Record<string, unknown>).CRAWL_HOST_QUEUE;
  const value = typeof raw === 'string' ? raw.trim().toLowerCase() : raw === undefined ? '' : raw;
  const parsed = HostQueue.safeParse(value);
  if (!parsed.success) {
    throw new CrawlConfigurationError(
      `CRAWL_HOST_QUEUE ${JSON.stringify(raw)} must be on, off or empty`,
      'CRAWL_HOST_QUEUE',
      context,
    );
  }
  return { hostQueue: parsed.data === 'on' };
}
