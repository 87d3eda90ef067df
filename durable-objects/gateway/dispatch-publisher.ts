/**
 * Publishes what the gateway dispatches: the normalized event for messages, and the raw event for
 * dispatches nothing normalizes (or for every dispatch in the `full` publish mode).
 * Envelope ids derive from (session, seq), so an event replayed after a RESUME overwrites instead of
 * duplicating downstream.
 */

import type { Envelope } from '@promethean/schemas/envelope';
import {
  RawProviderEvent,
  SocialMessageCreated,
  SocialMessageDeleted,
  SocialMessageUpdated,
} from '@promethean/schemas/events/social-message';
import { createEnvelope } from '@promethean/shared/agent/envelope-factory';
import type { TenantView } from '@promethean/shared/platform/provider-registry';
import { allowedByList, normalizeDispatch } from '@promethean/shared/providers/discord/normalize';

const DEFINITIONS = { SocialMessageCreated, SocialMessageUpdated, SocialMessageDeleted } as const;

/** Dispatches that only concern the session itself; they are not published. */
const SESSION_EVENTS = new Set(['READY', 'RESUMED']);

export interface PublishOutcome {
  published: Envelope[];
  dropped: 'allowlist' | 'session' | null;
}

/**
 * What the gateway leaves out of the bus to save queue operations and bytes (docs/operations.md, Cost).
 * `lean` (the default): no raw event for a dispatch that has a normalized event (no agent subscribes
 * to raw.event; `gateway-publish-mode.test.ts` fails the day one does), and no `provider_payload` in
 * normalized events (no consumer reads it; the indexers strip it). `full` publishes both, as before.
 */
export type PublishMode = 'lean' | 'full';

/** The mode from the access Worker's optional GATEWAY_PUBLISH var; anything but `full` is lean. */
export function publishModeOf(value: unknown): PublishMode {
  return value === 'full' ? 'full' : 'lean';
}

export function dispatchEnvelopes(
  tenant: TenantView,
  sessionId: string,
  seq: number,
  type: string,
  data: unknown,
  botUserId: string,
  receivedAt: string,
  mode: PublishMode = 'full',
): PublishOutcome {
  if (SESSION_EVENTS.has(type)) return { published: [], dropped: 'session' };
  if (
    !allowedByList(data, tenant.config.allowlist) &&
    (type.startsWith('MESSAGE_') || type.startsWith('TYPING_'))
  ) {
    return { published: [], dropped: 'allowlist' };
  }
  const base = { src: 'discord-gateway', provider: 'discord', tenant: tenant.tenant };
  const idBase = `discord:${tenant.tenant}:${sessionId}:${seq}`;
  const raw = createEnvelope(RawProviderEvent, { type, seq, data }, { ...base, id: `${idBase}:raw` });
  const normalized = normalizeDispatch(type, data, { tenant: tenant.tenant, botUserId, receivedAt });
  if (!normalized) return { published: [raw], dropped: null };
  const def = DEFINITIONS[normalized.intent];
  const payload =
    mode === 'lean' ? withoutProviderPayload(normalized.payload) : (normalized.payload as object);
  const event = createEnvelope(def, payload as never, {
    ...base,
    id: `${idBase}:${normalized.intent}`,
    // The raw dispatch starts the trace, so a trace leads back to what Discord sent.
    from: raw,
  });
  return { published: mode === 'lean' ? [event] : [raw, event], dropped: null };
}

function withoutProviderPayload(payload: object): object {
  const { provider_payload: _unread, ...rest } = payload as { provider_payload?: unknown };
  return rest;
}
