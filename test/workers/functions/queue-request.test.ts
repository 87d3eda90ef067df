import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { RestRequest, RestResponse } from '@promethean/schemas/rest/rest-messages';
import { InvalidMessageError } from '@promethean/shared/agent/agent-errors';
import { createEnvelope } from '@promethean/shared/agent/envelope-factory';
import { RequestTimeoutError } from '@promethean/shared/broker/broker-client';
import type { QueueBody } from '@promethean/shared/broker/queue-body';
import { QueueBroker } from '@promethean/shared/broker/queue-broker';
import { describe, expect, it } from 'vitest';
import { pageCorr, parsePageCorr } from '../../../functions/agents/backfill/backfill-job.ts';
import worker from '../../../functions/src/index.ts';
import { DurableObjectReplyMailbox } from '../../../functions/storage/durable-object-reply-mailbox.ts';

/** `sent` resolves once the request is on the access queue: a real response can only come after it. */
function broker(sent?: () => void) {
  const access = env.BUS_ACCESS as Queue<QueueBody>;
  return new QueueBroker({
    queues: {
      BUS_EVENTS: env.BUS_EVENTS as Queue<QueueBody>,
      BUS_ACCESS: sent
        ? ({
            send: async (...args: Parameters<typeof access.send>) => {
              const r = await access.send(...args);
              sent();
              return r;
            },
            sendBatch: async (...args: Parameters<typeof access.sendBatch>) => {
              const r = await access.sendBatch(...args);
              sent();
              return r;
            },
          } as Queue<QueueBody>)
        : access,
    },
    mailbox: new DurableObjectReplyMailbox(env.REPLY_MAILBOX),
  });
}

function request(corr: string) {
  return createEnvelope(
    RestRequest,
    { method: 'GET', route: '/channels/{channel_id}/messages', params: { channel_id: '1' } },
    { src: 'backfill', provider: 'discord', tenant: 'duck', corr },
  );
}

function response(corr: string) {
  return createEnvelope(
    RestResponse,
    { ok: true, status: 200, bucket: 'abc', retry_after_ms: null, data: [{ id: '9' }] },
    { src: 'discord-rest', provider: 'discord', tenant: 'duck', corr },
  );
}

describe('QueueBroker request/response across isolates', () => {
  it('resolves with the response that the queue consumer delivers on the same corr', async () => {
    let sent!: () => void;
    const published = new Promise<void>((resolve) => {
      sent = resolve;
    });
    const pending = broker(sent).request(request('corr-ok'), {
      responsePattern: 'promethean.p.discord.t.duck.rest.response',
      timeoutMs: 5_000,
    });
    await published;
    // The response travels the events queue and is consumed by the Worker's queue handler.
    const batch = createMessageBatch('promethean-events', [
      { id: 'r1', timestamp: new Date(), attempts: 1, body: { v: 1, envelope: response('corr-ok') } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    await getQueueResult(batch, ctx);
    const reply = await pending;
    expect(reply.intent).toBe('rest.response');
    expect(reply.corr).toBe('corr-ok');
    expect(reply.payload).toMatchObject({ ok: true, data: [{ id: '9' }] });
  });

  it('leaves a response that no request awaits out of the mailbox (nothing copied, nothing stored)', async () => {
    const batch = createMessageBatch('promethean-events', [
      { id: 'r2', timestamp: new Date(), attempts: 1, body: { v: 1, envelope: response('corr-unasked') } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    await getQueueResult(batch, ctx);
    const stub = env.REPLY_MAILBOX.get(env.REPLY_MAILBOX.idFromName('corr-unasked'));
    expect(await stub.expects()).toBe(false);
    expect(
      await new DurableObjectReplyMailbox(env.REPLY_MAILBOX).awaitReply('corr-unasked', 20),
    ).toBeUndefined();
  });

  it("never offers a backfill page's answer to a mailbox, even one marked as expecting it", async () => {
    const corr = pageCorr('job-unasked', 0);
    const stub = env.REPLY_MAILBOX.get(env.REPLY_MAILBOX.idFromName(corr));
    // Marked by hand: had the consumer asked this mailbox, it would have kept the reply.
    await stub.expect();
    const batch = createMessageBatch('promethean-events', [
      { id: 'r3', timestamp: new Date(), attempts: 1, body: { v: 1, envelope: response(corr) } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    await getQueueResult(batch, ctx);
    expect(await new DurableObjectReplyMailbox(env.REPLY_MAILBOX).awaitReply(corr, 20)).toBeUndefined();
  });

  it("refuses to wait on a backfill page's corr, before anything is published", async () => {
    let published = 0;
    const broker = new QueueBroker({
      queues: {
        BUS_EVENTS: env.BUS_EVENTS as Queue<QueueBody>,
        BUS_ACCESS: {
          send: async () => {
            published++;
          },
          sendBatch: async () => {
            published++;
          },
        } as unknown as Queue<QueueBody>,
      },
      mailbox: new DurableObjectReplyMailbox(env.REPLY_MAILBOX, {
        unawaited: (corr) => parsePageCorr(corr) !== undefined,
      }),
    });
    const pending = broker.request(request(pageCorr('job-asked', 3)), {
      responsePattern: 'promethean.p.discord.t.duck.rest.response',
      timeoutMs: 1_000,
    });
    await expect(pending).rejects.toBeInstanceOf(InvalidMessageError);
    await expect(pending).rejects.toThrow(/backfill:job-asked:3/);
    expect(published).toBe(0);
  });

  it('keeps a response that arrives before the request waits', async () => {
    await new DurableObjectReplyMailbox(env.REPLY_MAILBOX).deliver(response('corr-early'));
    const reply = await broker().request(request('corr-early'), {
      responsePattern: 'promethean.p.discord.t.duck.rest.response',
      timeoutMs: 1_000,
    });
    expect(reply.corr).toBe('corr-early');
  });

  it('times out with RequestTimeoutError naming the corr when nobody answers', async () => {
    const pending = broker().request(request('corr-silent'), {
      responsePattern: 'promethean.p.discord.t.duck.rest.response',
      timeoutMs: 50,
    });
    await expect(pending).rejects.toBeInstanceOf(RequestTimeoutError);
    await expect(pending).rejects.toThrow(/corr-silent/);
  });
});
