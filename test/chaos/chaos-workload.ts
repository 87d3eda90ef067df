/**
 * What the chaos suite feeds the platform, drawn from a seed: live message events for two tenants
 * (creates, some with text attachments or a mention of the bot, edits and deletes) as the gateway would
 * publish them, a backfill of one channel from the fake Discord, and the expected end state of every
 * store — the truth the audit compares against.
 */
import type { Envelope } from '@promethean/schemas/envelope';
import {
  SocialMessageCreated,
  SocialMessageDeleted,
  SocialMessageUpdated,
} from '@promethean/schemas/events/social-message';
import { createEnvelope } from '@promethean/shared/agent/envelope-factory';
import { type SeededRandom, seededRandom } from '@promethean/shared/broker/seeded-random';

/** A tenant the suite writes to, and where its documents live. */
export interface ChaosTenant {
  provider: 'discord';
  tenant: string;
  /** `mongodb`: MongoDocumentStore on the MongoDB-wire server; `workerd`: TenantDocuments in workerd. */
  documents: 'mongodb' | 'workerd';
  guild: string;
  channels: readonly string[];
  bot_user_id: string;
}

export const CHAOS_TENANTS: readonly ChaosTenant[] = [
  {
    provider: 'discord',
    tenant: 'duck',
    documents: 'mongodb',
    guild: '810000000000000001',
    channels: ['710000000000000001', '710000000000000002'],
    bot_user_id: '910000000000000001',
  },
  {
    provider: 'discord',
    tenant: 'goose',
    documents: 'workerd',
    guild: '810000000000000002',
    channels: ['720000000000000001'],
    bot_user_id: '910000000000000002',
  },
];

/** The channel the backfill job reads from the fake Discord (duck's guild). */
export const BACKFILL_CHANNEL = '730000000000000001';

export interface ExpectedAttachment {
  urn: string;
  foreign_id: string;
  url: string;
  /** Path on the attachment origin, and the bytes it serves. */
  path: string;
  bytes: Uint8Array;
}

/** One live message as every store must end up knowing it. */
export interface ExpectedMessage {
  tenant: string;
  foreign_id: string;
  urn: string;
  channel_id: string;
  author_name: string;
  /** The newest edit's text, or the original. */
  content: string;
  deleted: boolean;
  mentions_bot: boolean;
  attachments: ExpectedAttachment[];
}

export interface Workload {
  /** Input envelopes in the order the driver publishes them, grouped in waves. */
  waves: Envelope[][];
  expected: ExpectedMessage[];
  /** Every attachment file the origin serves, by path. */
  files: Map<string, Uint8Array>;
  counts: { creates: number; edits: number; deletes: number; attachments: number; mentions: number };
}

const WORDS = (
  'harbor lantern copper meadow signal orbit velvet thunder maple quartz ember violet canyon ' +
  'glacier saffron compass falcon drizzle marble pepper willow cobalt sparrow tundra ripple walnut ' +
  'beacon cedar dune fjord garnet hollow ivory jasper kestrel lagoon mosaic nectar opal prism raven'
).split(' ');
const AUTHORS = ['ada', 'grace', 'linus', 'margaret', 'dennis'];
const START = Date.UTC(2026, 10, 20, 9, 0, 0);

function sentence(r: SeededRandom, tag: string): string {
  const n = r.int(4, 11);
  const words = Array.from({ length: n }, () => WORDS[r.int(0, WORDS.length - 1)]!);
  return `${words.join(' ')} (${tag})`;
}

const iso = (ms: number) => new Date(ms).toISOString();

interface Draft {
  t: ChaosTenant;
  id: string;
  channel: string;
  author: string;
  at: number;
}

function ref(t: ChaosTenant, kind: string, id: string) {
  return { urn: `urn:${t.provider}:${kind}:${t.tenant}:${id}`, foreign_id: id };
}

function envelopeOptions(d: Draft, id: string, at: number) {
  return { src: 'discord-gateway', provider: d.t.provider, tenant: d.t.tenant, id, clock: { now: () => at } };
}

function attachmentsFor(r: SeededRandom, d: Draft, origin: string): ExpectedAttachment[] {
  if (r.next() >= 0.12) return [];
  return Array.from({ length: r.int(1, 2) }, (_, k) => {
    const foreign_id = `${d.id}${k}`;
    const path = `/files/${d.t.tenant}/${foreign_id}.txt`;
    const bytes = new TextEncoder().encode(
      `notes ${k} for message ${d.id}: ${sentence(r, `file ${foreign_id}`)}\n`,
    );
    return { ...ref(d.t, 'attachment', foreign_id), url: `${origin}${path}`, path, bytes };
  });
}

function created(r: SeededRandom, d: Draft, origin: string) {
  const mentions_bot = r.next() < 0.06;
  const attachments = attachmentsFor(r, d, origin);
  const content = `${mentions_bot ? `<@${d.t.bot_user_id}> ` : ''}${sentence(r, `msg ${d.id}`)}`;
  const envelope = createEnvelope(
    SocialMessageCreated,
    {
      ...ref(d.t, 'message', d.id),
      channel: ref(d.t, 'channel', d.channel),
      space: ref(d.t, 'space', d.t.guild),
      author: { ...ref(d.t, 'user', d.author), name: d.author, bot: false },
      content,
      created_at: iso(d.at),
      attachments: attachments.map((a) => ({
        urn: a.urn,
        foreign_id: a.foreign_id,
        url: a.url,
        filename: `${a.foreign_id}.txt`,
        content_type: 'text/plain',
        size: a.bytes.byteLength,
      })),
      mentions: {
        users: mentions_bot ? [d.t.bot_user_id] : [],
        roles: [],
        everyone: false,
        bot: mentions_bot,
      },
    },
    envelopeOptions(d, `gw:${d.t.tenant}:${d.id}:created`, d.at),
  ) as Envelope;
  return { envelope, content, mentions_bot, attachments };
}

/** Builds the workload for `seed`: `messages` live messages spread over `waves` waves. */
export function buildWorkload(seed: number, messages: number, waveCount: number, origin: string): Workload {
  const r = seededRandom(seed ^ 0x5eed);
  const waves: Envelope[][] = Array.from({ length: waveCount }, () => []);
  const expected: ExpectedMessage[] = [];
  const files = new Map<string, Uint8Array>();
  const counts = { creates: 0, edits: 0, deletes: 0, attachments: 0, mentions: 0 };
  for (let i = 0; i < messages; i++) {
    const t = CHAOS_TENANTS[r.int(0, CHAOS_TENANTS.length - 1)]!;
    const d: Draft = {
      t,
      id: String(1_300_000_000_000_000_000n + BigInt(i * 7 + 1)),
      channel: t.channels[r.int(0, t.channels.length - 1)]!,
      author: AUTHORS[r.int(0, AUTHORS.length - 1)]!,
      at: START + i * 1_000,
    };
    const wave = Math.floor((i * waveCount) / messages);
    const c = created(r, d, origin);
    waves[wave]!.push(c.envelope);
    counts.creates++;
    if (c.mentions_bot) counts.mentions++;
    for (const a of c.attachments) files.set(a.path, a.bytes);
    counts.attachments += c.attachments.length;
    let content = c.content;
    // Edits and deletes go out in the same or a later wave; the bus may still deliver them first.
    const edits = r.next() < 0.15 ? r.int(1, 2) : 0;
    for (let k = 1; k <= edits; k++) {
      content = `${c.mentions_bot ? `<@${t.bot_user_id}> ` : ''}${sentence(r, `msg ${d.id} edit ${k}`)}`;
      const editedAt = d.at + k * 100;
      const target = Math.min(waveCount - 1, wave + r.int(0, 1));
      waves[target]!.push(
        createEnvelope(
          SocialMessageUpdated,
          {
            ...ref(t, 'message', d.id),
            channel: ref(t, 'channel', d.channel),
            space: ref(t, 'space', t.guild),
            content,
            edited_at: iso(editedAt),
          },
          envelopeOptions(d, `gw:${t.tenant}:${d.id}:edit:${k}`, editedAt),
        ) as Envelope,
      );
      counts.edits++;
    }
    // A mention is never deleted: whether a reply to a message deleted meanwhile is due is not the question here.
    const deleted = r.next() < 0.08 && !c.mentions_bot;
    if (deleted) {
      const deletedAt = d.at + 900;
      const target = Math.min(waveCount - 1, wave + r.int(0, 1));
      waves[target]!.push(
        createEnvelope(
          SocialMessageDeleted,
          {
            ...ref(t, 'message', d.id),
            channel: ref(t, 'channel', d.channel),
            space: ref(t, 'space', t.guild),
            deleted_at: iso(deletedAt),
          },
          envelopeOptions(d, `gw:${t.tenant}:${d.id}:deleted`, deletedAt),
        ) as Envelope,
      );
      counts.deletes++;
    }
    expected.push({
      tenant: t.tenant,
      foreign_id: d.id,
      urn: ref(t, 'message', d.id).urn,
      channel_id: d.channel,
      author_name: d.author,
      content,
      deleted,
      mentions_bot: c.mentions_bot,
      attachments: c.attachments,
    });
  }
  return { waves, expected, files, counts };
}
