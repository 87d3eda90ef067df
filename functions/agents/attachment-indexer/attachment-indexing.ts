/**
 * Indexes the attachments of one or more messages: fetch through the egress (unless a document
 * already holds the outcome), hash, store the bytes by hash, record the outcome, tell the embedder.
 * A refusal is an outcome, recorded and published once; a transient failure retries the message
 * after every other attachment has been handled, so only the failed ones are fetched again.
 */
import { AttachmentIndexed } from '@promethean/schemas/events/attachment-indexed';
import type { SocialAttachment } from '@promethean/schemas/events/social-message';
import { NonRetriableError } from '@promethean/shared/agent/agent-errors';
import { deterministicId } from '@promethean/shared/agent/deterministic-id';
import type { RuntimeContext } from '@promethean/shared/agent/runtime-context';
import type { StoredDocument } from '@promethean/shared/effects/document-store';
import type { AttachmentFetchLimits } from '@promethean/shared/net/attachment-egress';
import { redactUrl, SsrfRefusedError, UpstreamRefusedError } from '@promethean/shared/net/egress-errors';
import { sha256Hex } from '@promethean/shared/platform/sha256-hex';
import {
  type AttachmentOrigin,
  attachmentDocument,
  blobKeyFor,
  type FetchOutcome,
  indexedPayload,
  storedOutcome,
} from './attachment-document.ts';
import { attachmentLimits } from './attachment-limits.ts';

export interface MessageAttachments {
  origin: AttachmentOrigin;
  attachments: readonly SocialAttachment[];
}

/** Bytes in, outcome out; refusals become outcomes, everything else is thrown. */
async function fetchAndStore(
  ctx: RuntimeContext,
  att: SocialAttachment,
  limits: AttachmentFetchLimits,
): Promise<FetchOutcome> {
  if (att.size > limits.max_bytes) {
    // The provider's declared size is enough to refuse without spending a fetch.
    const message = `declared size ${att.size} exceeds ${limits.max_bytes} bytes`;
    return { status: 'refused', refusal: { reason: 'too_large', message } };
  }
  try {
    const fetched = await ctx.effects.http.fetchAttachment(att.url, limits);
    const sha256 = await sha256Hex(fetched.bytes);
    const blob_key = blobKeyFor(sha256);
    await ctx.effects.blobs.put(blob_key, fetched.bytes, fetched.content_type);
    return {
      status: 'stored',
      stored: { sha256, blob_key, content_type: fetched.content_type, size: fetched.bytes.byteLength },
    };
  } catch (e) {
    if (e instanceof SsrfRefusedError) {
      return { status: 'refused', refusal: { reason: e.reason, message: e.message } };
    }
    if (e instanceof UpstreamRefusedError) {
      return { status: 'refused', refusal: { reason: `upstream_${e.status}`, message: e.message } };
    }
    throw e;
  }
}

/** See the file comment; returns how many attachments were stored and refused. */
export async function indexAttachments(
  ctx: RuntimeContext,
  messages: readonly MessageAttachments[],
): Promise<{ stored: number; refused: number }> {
  const limits = attachmentLimits(ctx);
  const scope = { provider: ctx.provider, tenant: ctx.tenant };
  const docs: StoredDocument[] = [];
  const outputs: Array<{ origin: AttachmentOrigin; att: SocialAttachment; outcome: FetchOutcome }> = [];
  let retryLater: unknown;
  for (const { origin, attachments } of messages) {
    for (const att of attachments) {
      let outcome = storedOutcome(await ctx.effects.documents.get('attachments', att.foreign_id));
      if (!outcome) {
        try {
          outcome = await fetchAndStore(ctx, att, limits);
        } catch (e) {
          if (e instanceof NonRetriableError) throw e;
          ctx.telemetry.warn('attachment fetch will be retried', { urn: att.urn, error: String(e) });
          retryLater ??= e;
          continue;
        }
        if (outcome.status === 'refused') {
          ctx.telemetry.warn('attachment refused', {
            urn: att.urn,
            url: redactUrl(att.url),
            reason: outcome.refusal.reason,
          });
        }
      }
      docs.push(attachmentDocument(scope, origin, att, outcome));
      outputs.push({ origin, att, outcome });
    }
  }
  if (docs.length > 0) await ctx.effects.documents.upsertMany('attachments', docs);
  for (const { origin, att, outcome } of outputs) {
    const id = await deterministicId(['attachment-indexer', att.urn, outcome.status]);
    await ctx.effects.publish(AttachmentIndexed, indexedPayload(origin, att, outcome), { id });
  }
  if (retryLater !== undefined) throw retryLater;
  return {
    stored: outputs.filter((o) => o.outcome.status === 'stored').length,
    refused: outputs.filter((o) => o.outcome.status === 'refused').length,
  };
}
