/**
 * The functions Worker's crawl settings, read from its variables: whether the CrawlHost objects keep a
 * queue of waiters for this Worker's crawls (`CRAWL_HOST_QUEUE`, read where the crawl port is built),
 * whether the CrawlHost object makes each page request itself in the host's turn (`CRAWL_HOST_TURNS`,
 * read there too), and how many items of one origin a CrawlJob keeps on the queue at once
 * (`CRAWL_HOST_LANES`, read by the CrawlJob object). A deployment changes either where it is measured, without a code change.
 */
import { ConfigurationError, type ErrorContext } from '@promethean/shared/agent/agent-errors';
import { z } from 'zod';
import { HOST_LANE_WIDTH } from './crawl-job-core.ts';

export interface CrawlEnv {
  /** CrawlHost queues waiters and grants starts ahead (HOST_QUEUE_HORIZON_MS); off by default. */
  hostQueue: boolean;
  /** CrawlHost sends each request itself in the host's turn (`fetchInTurn`); off by default. */
  hostTurns: boolean;
  /** Items of one origin on the queue at once (crawl-job-core.ts); undefined: no lanes, every item sent at once. */
  hostLanes: number | undefined;
}

/** A crawl variable this Worker cannot read: crawls wait for an operator, the tenant's other work goes on. */
export class CrawlConfigurationError extends ConfigurationError {
  override readonly name = 'CrawlConfigurationError';
}

// Empty is the default (off), so wrangler.toml can ship the variables unset.
const HostQueue = z.enum(['', 'off', 'on']);
// "0" turns lanes off (every admitted item is sent at once, as before lanes); empty is the default.
const HostLanes = z.union([z.literal(''), z.coerce.number().int().min(0).max(64)]);

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
  const turnsRaw = (env as Record<string, unknown>).CRAWL_HOST_TURNS;
  const turns = HostQueue.safeParse(
    typeof turnsRaw === 'string' ? turnsRaw.trim().toLowerCase() : turnsRaw === undefined ? '' : turnsRaw,
  );
  if (!turns.success) {
    throw new CrawlConfigurationError(
      `CRAWL_HOST_TURNS ${JSON.stringify(turnsRaw)} must be on, off or empty`,
      'CRAWL_HOST_TURNS',
      context,
    );
  }
  const lanesRaw = (env as Record<string, unknown>).CRAWL_HOST_LANES;
  const lanes = HostLanes.safeParse(typeof lanesRaw === 'string' ? lanesRaw.trim() : (lanesRaw ?? ''));
  if (!lanes.success) {
    throw new CrawlConfigurationError(
      `CRAWL_HOST_LANES ${JSON.stringify(lanesRaw)} must be a whole number from 0 (off) to 64, or empty`,
      'CRAWL_HOST_LANES',
      context,
    );
  }
  const width = lanes.data === '' ? HOST_LANE_WIDTH : lanes.data;
  return {
    hostQueue: parsed.data === 'on',
    // Off unless "on": under wrangler dev it measured no better than the worker's permit (docs/agents/web-crawler.md).
    hostTurns: turns.data === 'on',
    hostLanes: width === 0 ? undefined : width,
  };
}
