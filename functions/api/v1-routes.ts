/**
 * The `/v1` operations as OpenAPI routes. Every operation has an operationId, a summary that starts with a
 * verb (at most 200 characters) and described parameters: the lint in openapi-lint.test.ts holds them to it,
 * because models choose tools from exactly these words (docs/agents/pythagoras-mirror.md).
 */
import { createRoute } from '@hono/zod-openapi';
import {
  ApiError,
  BackfillJob,
  ChannelList,
  JobParams,
  Message,
  MessageParams,
  SearchQuery,
  SearchResults,
  TenantStatus,
  WebPageParams,
  WebPageWithEdges,
  WebSearchParams,
  WebSearchResults,
} from './v1-schemas.ts';

const security = [{ bearer: [] }];

function json<T>(schema: T, description: string) {
  return { content: { 'application/json': { schema } }, description };
}

const errors = {
  400: json(ApiError, 'The request is invalid; the message says which part.'),
  401: json(ApiError, 'No valid API key was presented.'),
  429: json(ApiError, 'Too many requests; retry after the Retry-After header.'),
  503: json(ApiError, 'A store or model this operation needs is unavailable.'),
};

export const searchMessagesRoute = createRoute({
  method: 'get',
  path: '/messages/search',
  operationId: 'searchMessages',
  summary: 'Search indexed chat messages by meaning and return the closest matches.',
  description:
    "Finds messages in this tenant's channels whose meaning is closest to the query (semantic search over " +
    'message embeddings). Use it to find what people said about a topic; follow up with getMessage for details.',
  tags: ['messages'],
  security,
  request: { query: SearchQuery },
  responses: {
    200: json(SearchResults, 'The nearest messages.'),
    403: json(ApiError, 'The channel asked for is outside what this key may see.'),
    ...errors,
  },
});

export const getMessageRoute = createRoute({
  method: 'get',
  path: '/messages/{message_id}',
  operationId: 'getMessage',
  summary: 'Get one chat message by its id, with author, channel and text.',
  description: 'Reads one stored message. Deleted messages and messages outside the key scope are not found.',
  tags: ['messages'],
  security,
  request: { params: MessageParams },
  responses: {
    200: json(Message, 'The message.'),
    404: json(ApiError, 'No such message is visible to this key.'),
    ...errors,
  },
});

export const listChannelsRoute = createRoute({
  method: 'get',
  path: '/channels',
  operationId: 'listChannels',
  summary: 'List the channels that have indexed messages, most active first.',
  description:
    'Groups the newest 1,000 indexed messages by channel. Use it to learn which channel ids exist before ' +
    'narrowing a search to one channel.',
  tags: ['channels'],
  security,
  responses: { 200: json(ChannelList, 'The channels.'), ...errors },
});

export const backfillJobRoute = createRoute({
  method: 'get',
  path: '/jobs/backfill/{job_id}',
  operationId: 'getBackfillJob',
  summary: 'Get the status and progress counts of a message backfill job.',
  description:
    'Reports whether a history backfill job is running, done or failed, with the pages and messages it fetched.',
  tags: ['jobs'],
  security,
  request: { params: JobParams },
  responses: {
    200: json(BackfillJob, 'The job.'),
    404: json(ApiError, 'No such job is visible to this key.'),
    ...errors,
  },
});

export const tenantStatusRoute = createRoute({
  method: 'get',
  path: '/tenant/status',
  operationId: 'getTenantStatus',
  summary: "Summarize this tenant's status: stores in use and how many messages are indexed.",
  description: 'Counts of indexed messages, attachments and backfill jobs, and the storage backends in use.',
  tags: ['tenant'],
  security,
  responses: { 200: json(TenantStatus, 'The summary.'), ...errors },
});

export const searchWebRoute = createRoute({
  method: 'get',
  path: '/web/search',
  operationId: 'searchWeb',
  summary: 'Search the web pages this tenant crawled by meaning, optionally by tag or domain.',
  description:
    'Finds crawled web pages (links people shared, followed by the crawler) whose summary is closest in ' +
    'meaning to the query. Use it for questions about linked articles or sites, not about chat messages; ' +
    'follow up with getWebPage for the links to and from a page.',
  tags: ['web'],
  security,
  request: { query: WebSearchParams },
  responses: { 200: json(WebSearchResults, 'The closest pages.'), ...errors },
});

export const getWebPageRoute = createRoute({
  method: 'get',
  path: '/web/pages/{page_id}',
  operationId: 'getWebPage',
  summary: 'Get one crawled web page with the links to and from it.',
  description:
    'Reads a crawled page (title, summary, tags, crawl status) with its outgoing and incoming links among ' +
    "the tenant's crawled pages.",
  tags: ['web'],
  security,
  request: { params: WebPageParams },
  responses: {
    200: json(WebPageWithEdges, 'The page and its links.'),
    404: json(ApiError, 'No such page was crawled for this tenant.'),
    ...errors,
  },
});
