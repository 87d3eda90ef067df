/** HTTP responses the fake sends, and Discord's JSON error bodies with their documented codes. */
import type { ErrorTree } from './json-schema-subset.ts';

/** A response before it is written to the socket. */
export interface FakeResponse {
  status: number;
  headers: Record<string, string>;
  body?: string;
}

/** A JSON response (Discord answers JSON for everything except Cloudflare-level errors). */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): FakeResponse {
  return {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

/** 204 with no body, as Discord answers deletes and unawaited webhook executions. */
export function noContent(): FakeResponse {
  return { status: 204, headers: {} };
}

/** Discord's `{message, code}` error body. */
export function discordError(status: number, code: number, message: string): FakeResponse {
  return json(status, { message, code });
}

/**
 * The errors the fake answers, with Discord's codes and messages
 * (https://discord.com/developers/docs/topics/opcodes-and-status-codes#json).
 */
export const errors = {
  notFound: () => discordError(404, 0, '404: Not Found'),
  methodNotAllowed: () => discordError(405, 0, '405: Method Not Allowed'),
  unauthorized: () => discordError(401, 0, '401: Unauthorized'),
  missingAccess: () => discordError(403, 50001, 'Missing Access'),
  unknownChannel: () => discordError(404, 10003, 'Unknown Channel'),
  unknownMessage: () => discordError(404, 10008, 'Unknown Message'),
  unknownWebhook: () => discordError(404, 10015, 'Unknown Webhook'),
  unknownInteraction: () => discordError(404, 10062, 'Unknown interaction'),
  alreadyAcknowledged: () => discordError(400, 40060, 'Interaction has already been acknowledged.'),
  emptyMessage: () => discordError(400, 50006, 'Cannot send an empty message'),
  cannotEditOthers: () => discordError(403, 50005, 'Cannot edit a message authored by another user'),
  invalidJson: () => discordError(400, 50109, 'The request body contains invalid JSON.'),
  invalidFormBody: (tree: ErrorTree) =>
    json(400, { code: 50035, errors: tree, message: 'Invalid Form Body' }),
  serverError: () => discordError(500, 0, '500: Internal Server Error'),
} as const;

/** Discord's 429 body (https://discord.com/developers/docs/topics/rate-limits#exceeding-a-rate-limit). */
export function rateLimited(
  retryAfterS: number,
  global: boolean,
  headers: Record<string, string>,
  code?: number,
): FakeResponse {
  const retryAfter = Math.round(retryAfterS * 1000) / 1000;
  const body = {
    message: 'You are being rate limited.',
    retry_after: retryAfter,
    global,
    ...(code ? { code } : {}),
  };
  return json(429, body, { 'Retry-After': String(Math.ceil(retryAfterS)), ...headers });
}

/** A non-JSON response, as Cloudflare in front of Discord serves for bans and edge errors. */
export function text(
  status: number,
  contentType: string,
  body: string,
  headers: Record<string, string> = {},
) {
  return { status, headers: { 'Content-Type': contentType, ...headers }, body } satisfies FakeResponse;
}
