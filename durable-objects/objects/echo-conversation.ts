/**
 * EchoConversation: the echo provider's whole "network" for one tenant. Scripted lines come in and
 * leave as SocialMessageCreated; every PostMessage is recorded (once per idempotency key) and echoed
 * back as the bot's own message, as a real provider's gateway would. Slash-command interactions are
 * recorded too: the command, a "thinking…" placeholder that the first answer replaces, follow-ups.
 */
import { DurableObject } from 'cloudflare:workers';
import type { TypedEnvelope } from '@promethean/schemas/envelope';
import { SocialMessageCreated } from '@promethean/schemas/events/social-message';
import type { PayloadOf } from '@promethean/schemas/message-definition';
import { createEnvelope, randomIds, systemClock } from '@promethean/shared/agent/envelope-factory';
import { queueBusFor } from '@promethean/shared/broker/bus-for';
import type { ProviderPort } from '@promethean/shared/effects/effect-ports';
import { ensureSchema, runSql } from '@promethean/shared/platform/durable-sql';
import {
  EchoScript,
  type EchoScriptLine,
  echoMessageId,
  normalizeEchoLine,
} from '@promethean/shared/providers/echo/echo-script';

const MIGRATIONS = [
  `CREATE TABLE messages (
     seq INTEGER PRIMARY KEY AUTOINCREMENT, foreign_id TEXT NOT NULL UNIQUE, channel_id TEXT NOT NULL,
     direction TEXT NOT NULL, author_id TEXT NOT NULL, content TEXT NOT NULL, created_at TEXT NOT NULL,
     reply_to TEXT, idempotency_key TEXT UNIQUE)`,
  `ALTER TABLE messages ADD COLUMN interaction_urn TEXT;
   ALTER TABLE messages ADD COLUMN ephemeral INTEGER NOT NULL DEFAULT 0;
   CREATE TABLE interactions (urn TEXT PRIMARY KEY, channel_id TEXT NOT NULL, command_id TEXT NOT NULL,
     original_id TEXT NOT NULL, expires_at INTEGER NOT NULL)`,
];

/** Like a Discord interaction token, an echo interaction can be answered for 15 minutes. */
const INTERACTION_TTL_MS = 15 * 60_000;

export interface EchoTranscriptLine {
  foreign_id: string;
  channel_id: string;
  direction: 'in' | 'out';
  author_id: string;
  content: string;
  created_at: string;
  reply_to: string | null;
  /** Set on a slash command and on the bot's answers to it. */
  interaction_urn: string | null;
  /** 1 when only the user who asked sees the line. */
  ephemeral: number;
}

/** A slash command the echo adapter accepted (and deferred). */
export interface EchoInteractionOpening {
  urn: string;
  channel: string;
  user: { id: string; name: string };
  /** How the command reads, e.g. `/search query:ducks`. */
  text: string;
  ephemeral: boolean;
  received_at: number;
}

type Created = PayloadOf<typeof SocialMessageCreated>;

export class EchoConversation extends DurableObject<AccessEnv> {
  constructor(ctx: DurableObjectState, env: AccessEnv) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => ensureSchema(ctx.storage, MIGRATIONS));
  }

  /** Accepts scripted lines (validated), stores them, and publishes one SocialMessageCreated each. */
  async say(tenant: string, script: unknown, botUserId: string): Promise<string[]> {
    const { messages } = EchoScript.parse(script);
    const payloads = messages.map((line) => this.#store(tenant, line, botUserId));
    await this.#publish(tenant, payloads);
    return payloads.map((p) => p.foreign_id);
  }

  /**
   * Records an accepted slash command and its deferred placeholder (idempotent by URN). Interaction
   * lines stay out of the bus: a command is not a chat message, and answers are the app's own replies.
   */
  async openInteraction(opening: EchoInteractionOpening): Promise<void> {
    const known = runSql(this.ctx.storage, 'SELECT 1 FROM interactions WHERE urn = ?', opening.urn);
    if (known.length > 0) return;
    this.ctx.storage.transactionSync(() => {
      const at = new Date(opening.received_at).toISOString();
      const commandId = this.#insertLine({
        channel: opening.channel,
        direction: 'in',
        author: opening.user.id,
        content: opening.text,
        at,
        replyTo: null,
        interaction: opening.urn,
        ephemeral: false,
      });
      const originalId = this.#insertLine({
        channel: opening.channel,
        direction: 'out',
        author: 'app',
        content: 'duck is thinking…',
        at,
        replyTo: commandId,
        interaction: opening.urn,
        ephemeral: opening.ephemeral,
      });
      runSql(
        this.ctx.storage,
        'INSERT INTO interactions (urn, channel_id, command_id, original_id, expires_at) VALUES (?, ?, ?, ?, ?)',
        opening.urn,
        opening.channel,
        commandId,
        originalId,
        opening.received_at + INTERACTION_TTL_MS,
      );
    });
  }

  /** Records an outbound message once per idempotency key; a redelivered command returns the same ids. */
  async post(
    tenant: string,
    botUserId: string,
    command: Parameters<ProviderPort['postMessage']>[0],
  ): Promise<string[]> {
    const existing = runSql<{ foreign_id: string }>(
      this.ctx.storage,
      'SELECT foreign_id FROM messages WHERE idempotency_key = ?',
      command.idempotency_key,
    );
    if (existing[0]) return [existing[0].foreign_id];
    const line: EchoScriptLine = {
      channel: command.channel.foreign_id,
      author: { id: botUserId, name: 'duck', bot: true },
      content: command.content,
      mentions_bot: false,
      direct: false,
      ...(command.reply_to !== undefined && { reply_to: command.reply_to }),
    };
    const payload = this.#store(tenant, line, botUserId, command.idempotency_key);
    await this.#publish(tenant, [payload]);
    return [payload.foreign_id];
  }

  /** Every message in order, optionally for one channel. */
  async transcript(channel?: string): Promise<EchoTranscriptLine[]> {
    const sql = `SELECT foreign_id, channel_id, direction, author_id, content, created_at, reply_to,
                        interaction_urn, ephemeral FROM messages
                 ${channel === undefined ? '' : 'WHERE channel_id = ?'} ORDER BY seq`;
    return runSql<EchoTranscriptLine & Record<string, string>>(
      this.ctx.storage,
      sql,
      ...(channel === undefined ? [] : [channel]),
    );
  }

  /**
   * Answers an interaction: `edit_original` (the default) replaces the placeholder (repeatable, like
   * Discord's PATCH …/@original), `followup` adds a line once per idempotency key. Refused once the
   * interaction expired (15 minutes), as Discord refuses an expired token.
   */
  async answerInteraction(
    botUserId: string,
    command: Parameters<ProviderPort['postMessage']>[0],
  ): Promise<{ ok: true; foreign_id: string } | { ok: false; message: string }> {
    const interaction = runSql<{ channel_id: string; command_id: string; original_id: string }>(
      this.ctx.storage,
      'SELECT channel_id, command_id, original_id FROM interactions WHERE urn = ? AND expires_at > ?',
      command.interaction_urn ?? '',
      systemClock.now(),
    )[0];
    if (!interaction) {
      return {
        ok: false,
        message: `no live echo interaction ${command.interaction_urn} (expired after 15 minutes?)`,
      };
    }
    if ((command.interaction_response ?? 'edit_original') === 'edit_original') {
      runSql(
        this.ctx.storage,
        'UPDATE messages SET content = ?, author_id = ? WHERE foreign_id = ?',
        command.content,
        botUserId,
        interaction.original_id,
      );
      return { ok: true, foreign_id: interaction.original_id };
    }
    const existing = runSql<{ foreign_id: string }>(
      this.ctx.storage,
      'SELECT foreign_id FROM messages WHERE idempotency_key = ?',
      command.idempotency_key,
    )[0];
    if (existing) return { ok: true, foreign_id: existing.foreign_id };
    const foreignId = this.#insertLine({
      channel: interaction.channel_id,
      direction: 'out',
      author: botUserId,
      content: command.content,
      at: new Date(systemClock.now()).toISOString(),
      replyTo: interaction.command_id,
      interaction: command.interaction_urn ?? null,
      ephemeral: command.ephemeral === true,
      idempotencyKey: command.idempotency_key,
    });
    return { ok: true, foreign_id: foreignId };
  }

  #insertLine(l: {
    channel: string;
    direction: 'in' | 'out';
    author: string;
    content: string;
    at: string;
    replyTo: string | null;
    interaction: string | null;
    ephemeral: boolean;
    idempotencyKey?: string;
  }): string {
    const foreignId = echoMessageId(this.#nextSeq());
    runSql(
      this.ctx.storage,
      `INSERT INTO messages (foreign_id, channel_id, direction, author_id, content, created_at, reply_to,
         idempotency_key, interaction_urn, ephemeral) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      foreignId,
      l.channel,
      l.direction,
      l.author,
      l.content,
      l.at,
      l.replyTo,
      l.idempotencyKey ?? null,
      l.interaction,
      l.ephemeral ? 1 : 0,
    );
    return foreignId;
  }

  #nextSeq(): number {
    return (
      (runSql<{ n: number }>(this.ctx.storage, 'SELECT COALESCE(MAX(seq), 0) AS n FROM messages')[0]?.n ??
        0) + 1
    );
  }

  #store(tenant: string, line: EchoScriptLine, botUserId: string, idempotencyKey?: string): Created {
    const known =
      line.id === undefined
        ? []
        : runSql(this.ctx.storage, 'SELECT 1 FROM messages WHERE foreign_id = ?', line.id);
    const createdAt = new Date(systemClock.now()).toISOString();
    if (known.length > 0) return normalizeEchoLine(line, tenant, line.id!, createdAt, botUserId);
    const foreignId = line.id ?? echoMessageId(this.#nextSeq());
    runSql(
      this.ctx.storage,
      `INSERT INTO messages (foreign_id, channel_id, direction, author_id, content, created_at, reply_to, idempotency_key)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      foreignId,
      line.channel,
      line.author.bot ? 'out' : 'in',
      line.author.id,
      line.content,
      createdAt,
      line.reply_to ?? null,
      idempotencyKey ?? null,
    );
    return normalizeEchoLine(line, tenant, foreignId, createdAt, botUserId);
  }

  async #publish(tenant: string, payloads: Created[]): Promise<void> {
    const broker = queueBusFor(
      this.env,
      { bindings: ['BUS_EVENTS'], routes: [{ pattern: 'promethean.>', binding: 'BUS_EVENTS' }] },
      'the echo conversation',
    );
    const envelopes: TypedEnvelope<Created>[] = payloads.map((p) =>
      createEnvelope(SocialMessageCreated, p, {
        src: 'echo-access',
        provider: 'echo',
        tenant,
        id: `echo:${tenant}:${p.foreign_id}`,
        ids: randomIds,
      }),
    );
    await broker.publishMany(envelopes);
  }
}
