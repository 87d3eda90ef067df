/**
 * EchoConversation: the echo provider's whole "network" for one tenant. Scripted lines come in and
 * leave as SocialMessageCreated; every PostMessage is recorded (once per idempotency key) and echoed
 * back as the bot's own message, as a real provider's gateway would.
 */
import { DurableObject } from 'cloudflare:workers';
import type { TypedEnvelope } from '@promethean/schemas/envelope';
import { SocialMessageCreated } from '@promethean/schemas/events/social-message';
import type { PayloadOf } from '@promethean/schemas/message-definition';
import { createEnvelope, randomIds, systemClock } from '@promethean/shared/agent/envelope-factory';
import type { QueueBody } from '@promethean/shared/broker/queue-body';
import { QueueBroker } from '@promethean/shared/broker/queue-broker';
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
];

export interface EchoTranscriptLine {
  foreign_id: string;
  channel_id: string;
  direction: 'in' | 'out';
  author_id: string;
  content: string;
  created_at: string;
  reply_to: string | null;
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
    const sql = `SELECT foreign_id, channel_id, direction, author_id, content, created_at, reply_to FROM messages
                 ${channel === undefined ? '' : 'WHERE channel_id = ?'} ORDER BY seq`;
    return runSql<EchoTranscriptLine & Record<string, string>>(
      this.ctx.storage,
      sql,
      ...(channel === undefined ? [] : [channel]),
    );
  }

  #store(tenant: string, line: EchoScriptLine, botUserId: string, idempotencyKey?: string): Created {
    const known =
      line.id === undefined
        ? []
        : runSql(this.ctx.storage, 'SELECT 1 FROM messages WHERE foreign_id = ?', line.id);
    const createdAt = new Date(systemClock.now()).toISOString();
    if (known.length > 0) return normalizeEchoLine(line, tenant, line.id!, createdAt, botUserId);
    const seq =
      (runSql<{ n: number }>(this.ctx.storage, 'SELECT COALESCE(MAX(seq), 0) AS n FROM messages')[0]?.n ??
        0) + 1;
    const foreignId = line.id ?? echoMessageId(seq);
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
    const broker = new QueueBroker({
      queues: { BUS_EVENTS: this.env.BUS_EVENTS as Queue<QueueBody> },
      routes: [{ pattern: 'promethean.>', binding: 'BUS_EVENTS' }],
    });
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
