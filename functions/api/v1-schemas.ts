/**
 * The `/v1` API's request and response schemas. Descriptions here become the OpenAPI document and, through
 * it, the tool descriptions models read (shared/openapi-tools): write them for a reader who sees nothing else.
 */
import { z } from '@hono/zod-openapi';

/** The one error shape every `/v1` failure answers with. */
export const ApiError = z
  .object({
    error: z.object({
      code: z
        .enum([
          'unauthorized',
          'forbidden',
          'not_found',
          'invalid_request',
          'unavailable',
          'rate_limited',
          'internal',
        ])
        .openapi({ description: 'A stable, machine-readable error code.' }),
      message: z
        .string()
        .openapi({ description: 'What went wrong, in words a person or a model can act on.' }),
      request_id: z
        .string()
        .openapi({ description: 'The id of this request, also in the X-Request-Id header.' }),
    }),
  })
  .openapi('ApiError');
export type ApiError = z.infer<typeof ApiError>;
export type ApiErrorCode = ApiError['error']['code'];

export const Message = z
  .object({
    urn: z.string().openapi({ description: 'The message URN (urn:<provider>:message:<tenant>:<id>).' }),
    message_id: z.string().openapi({ description: "The provider's id of the message." }),
    channel_id: z.string().openapi({ description: 'The id of the channel the message was posted in.' }),
    author_id: z.string().optional().openapi({ description: "The author's user id." }),
    author_name: z.string().optional().openapi({ description: "The author's display name." }),
    author_bot: z.boolean().optional().openapi({ description: 'Whether the author is a bot.' }),
    content: z.string().optional().openapi({ description: 'The text of the message, newest edit applied.' }),
    created_at: z.string().optional().openapi({ description: 'When the message was posted (ISO 8601).' }),
    edited_at: z.string().optional().openapi({ description: 'When the message was last edited (ISO 8601).' }),
  })
  .openapi('Message');
export type Message = z.infer<typeof Message>;

export const SearchHit = z
  .object({
    urn: z.string().openapi({ description: 'The message URN.' }),
    message_id: z
      .string()
      .openapi({ description: 'The message id; pass it to getMessage for the full message.' }),
    channel_id: z.string().openapi({ description: 'The channel the message was posted in.' }),
    text: z.string().openapi({ description: 'The indexed text of the message.' }),
    author_id: z.string().optional().openapi({ description: "The author's user id." }),
    author_name: z.string().optional().openapi({ description: "The author's display name." }),
    created_at: z.string().optional().openapi({ description: 'When the message was posted (ISO 8601).' }),
    distance: z.number().openapi({ description: 'Vector distance to the query; smaller is closer.' }),
  })
  .openapi('SearchHit');
export type SearchHit = z.infer<typeof SearchHit>;

export const SearchResults = z
  .object({
    query: z.string().openapi({ description: 'The query as searched.' }),
    model: z.string().openapi({ description: 'The embedding model used.' }),
    offline: z.boolean().openapi({ description: 'True when the deterministic offline embedding answered.' }),
    hits: z.array(SearchHit).openapi({ description: 'The nearest messages, closest first.' }),
  })
  .openapi('SearchResults');
export type SearchResults = z.infer<typeof SearchResults>;

export const SearchQuery = z.object({
  q: z
    .string()
    .min(1)
    .max(500)
    .openapi({ description: 'What to look for, in natural language; matched by meaning, not exact words.' }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(20)
    .default(5)
    .openapi({ description: 'How many messages to return (1 to 20, default 5).' }),
  channel_id: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .openapi({ description: 'Only return messages from this channel id.' }),
});

export const MessageParams = z.object({
  message_id: z
    .string()
    .min(1)
    .max(100)
    .openapi({ param: { name: 'message_id', in: 'path' }, description: 'The id of the message to fetch.' }),
});

export const Channel = z
  .object({
    channel_id: z.string().openapi({ description: 'The channel id.' }),
    messages: z
      .number()
      .int()
      .openapi({ description: 'Indexed messages from this channel among the newest 1,000.' }),
    last_message_at: z.string().optional().openapi({ description: 'When the newest of them was posted.' }),
  })
  .openapi('Channel');
export type Channel = z.infer<typeof Channel>;

export const ChannelList = z
  .object({
    channels: z.array(Channel).openapi({ description: 'Channels with indexed messages, most active first.' }),
    sampled_messages: z.number().int().openapi({ description: 'How many of the newest messages were read.' }),
  })
  .openapi('ChannelList');
export type ChannelList = z.infer<typeof ChannelList>;

export const JobParams = z.object({
  job_id: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,80}$/)
    .openapi({ param: { name: 'job_id', in: 'path' }, description: 'The backfill job id.' }),
});

export const BackfillJob = z
  .object({
    job_id: z.string().openapi({ description: 'The job id.' }),
    channel_id: z.string().openapi({ description: 'The channel being backfilled.' }),
    state: z.enum(['running', 'done', 'failed']).openapi({ description: 'Where the job is.' }),
    pages: z.number().int().openapi({ description: 'Pages of history fetched so far.' }),
    fetched: z.number().int().openapi({ description: 'Messages fetched so far.' }),
    upserted: z.number().int().openapi({ description: 'Messages stored so far.' }),
    started_at: z.string().openapi({ description: 'When the job started (ISO 8601).' }),
    finished_at: z.string().optional().openapi({ description: 'When the job finished, if it has.' }),
    message: z.string().optional().openapi({ description: 'Why the job failed, if it did.' }),
  })
  .openapi('BackfillJob');
export type BackfillJob = z.infer<typeof BackfillJob>;

export const TenantStatus = z
  .object({
    provider: z.string().openapi({ description: 'The provider this key belongs to (discord, echo, ...).' }),
    tenant: z.string().openapi({ description: 'The tenant this key belongs to.' }),
    display_name: z.string().optional().openapi({ description: "The tenant's display name." }),
    documents_backend: z.string().openapi({ description: 'Where messages are stored (sqlite or mongodb).' }),
    vectors_backend: z.string().openapi({ description: 'Where message embeddings are stored.' }),
    messages: z.number().int().openapi({ description: 'Indexed messages, deleted ones excluded.' }),
    attachments: z.number().int().openapi({ description: 'Indexed attachments.' }),
    backfill_jobs: z.number().int().openapi({ description: 'Backfill jobs ever started.' }),
    channel_scope: z
      .array(z.string())
      .optional()
      .openapi({ description: 'The only channels this key may see, when it is narrowed to some.' }),
  })
  .openapi('TenantStatus');
export type TenantStatus = z.infer<typeof TenantStatus>;

/** Web search parameters as the API takes them; the crawler's own schema (WebSearchQuery) parses them after. */
export const WebSearchParams = z.object({
  q: z
    .string()
    .min(1)
    .max(500)
    .openapi({ description: 'What to look for on the web pages this tenant crawled, matched by meaning.' }),
  tags: z.string().max(500).optional().openapi({
    description:
      'Only pages with every one of these tags: comma- or space-separated, "#" optional (ducks,ponds).',
  }),
  domain: z
    .string()
    .max(253)
    .optional()
    .openapi({ description: 'Only pages from this host name, such as example.org.' }),
  k: z.coerce
    .number()
    .int()
    .min(1)
    .max(50)
    .default(10)
    .openapi({ description: 'How many pages to return (1 to 50, default 10).' }),
});

export const WebPageParams = z.object({
  page_id: z
    .string()
    .regex(/^p[0-9a-f]{32}$/)
    .openapi({ description: 'The page id from a web search result (p followed by 32 hex digits).' }),
});

export const WebPage = z
  .object({
    id: z.string().openapi({ description: 'The page id (use it with getWebPage).' }),
    url: z.string().openapi({ description: 'The address the page was crawled at.' }),
    title: z.string().openapi({ description: 'The page title.' }),
    domain: z.string().openapi({ description: 'The host name of the page.' }),
    lang: z.string().optional().openapi({ description: 'The language the page declares.' }),
    summary: z.string().optional().openapi({ description: 'A short summary of the page text.' }),
    tags: z.array(z.string()).openapi({ description: 'Topic tags given to the page (#ducks).' }),
    first_seen_at: z
      .string()
      .optional()
      .openapi({ description: 'When the page was first crawled (ISO 8601).' }),
    last_crawled_at: z.string().openapi({ description: 'When the page was last crawled (ISO 8601).' }),
    status: z.number().int().openapi({ description: 'The HTTP status of the last crawl.' }),
  })
  .openapi('WebPage');
export type WebPage = z.infer<typeof WebPage>;

export const WebSearchResults = z
  .object({
    q: z.string().openapi({ description: 'The query as searched.' }),
    model: z.string().openapi({ description: 'The embedding model that matched the query.' }),
    offline: z
      .boolean()
      .openapi({ description: 'True when an offline stand-in model matched (less precise).' }),
    results: z
      .array(
        WebPage.extend({
          distance: z
            .number()
            .openapi({ description: 'How far the page is from the query; smaller is closer.' }),
        }),
      )
      .openapi({ description: 'The closest pages, closest first.' }),
  })
  .openapi('WebSearchResults');
export type WebSearchResults = z.infer<typeof WebSearchResults>;

export const WebEdge = z
  .object({
    id: z.string().openapi({ description: 'The page id at the other end of the link.' }),
    url: z.string().openapi({ description: 'The address at the other end of the link.' }),
    anchor: z.string().openapi({ description: 'The link text.' }),
    kind: z.string().openapi({ description: 'What kind of link it is (link, canonical, redirect...).' }),
    nofollow: z.boolean().openapi({ description: 'Whether the link is marked nofollow.' }),
  })
  .openapi('WebEdge');

export const WebPageWithEdges = z
  .object({
    page: WebPage,
    out_edges: z.array(WebEdge).openapi({ description: 'Links from this page to others (up to 200).' }),
    in_edges: z
      .array(WebEdge)
      .openapi({ description: 'Links from other crawled pages to this one (up to 200).' }),
    degree: z
      .object({
        out: z.number().int().openapi({ description: 'Outgoing links counted.' }),
        in: z.number().int().openapi({ description: 'Incoming links counted.' }),
      })
      .openapi({ description: 'How many links were counted each way.' }),
  })
  .openapi('WebPageWithEdges');
export type WebPageWithEdges = z.infer<typeof WebPageWithEdges>;
