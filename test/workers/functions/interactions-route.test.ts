import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import type {
  AccessInteractionsRpc,
  InteractionIntake,
  InteractionReply,
} from '@promethean/shared/platform/interaction-intake';
import { MAX_INTERACTION_BODY_BYTES } from '@promethean/shared/platform/interaction-intake';
import { jsonNotFound, jsonOnError } from '@promethean/shared/platform/json-http-errors';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { interactions } from '../../../functions/src/routes/interactions.ts';
import { commandAdmin } from '../../../functions/src/routes/interactions-admin.ts';

// The routes as functions/src/http-app.ts mounts them, without the rest of the Worker.
const app = new Hono<{ Bindings: FunctionsEnv }>();
app.route('/interactions', interactions);
app.route('/admin/commands', commandAdmin);
app.notFound(jsonNotFound);
app.onError(jsonOnError);

/** A stand-in for the access Worker's RPC that records what it was handed. */
function accessDouble(answer: (input: InteractionIntake) => Promise<InteractionReply>) {
  const calls: InteractionIntake[] = [];
  const abandoned: unknown[] = [];
  const access: AccessInteractionsRpc = {
    abandonInteraction: async (input) => {
      abandoned.push(input);
    },
    acceptInteraction: async (input) => {
      calls.push(input);
      return answer(input);
    },
    syncCommands: async (input) => ({
      provider: input.provider ?? 'discord',
      tenant: input.tenant,
      application_id: '1',
      scope: 'global',
      applied: !input.dry_run,
      changes: [{ name: 'ask', change: 'added' }],
    }),
  };
  return { access, calls, abandoned };
}

async function post(
  access: AccessInteractionsRpc,
  init: RequestInit,
  extraEnv: Record<string, unknown> = {},
  path = '/interactions/discord/duck',
) {
  const ctx = createExecutionContext();
  const res = await app.request(
    path,
    { method: 'POST', ...init },
    { ...env, ACCESS: access, ...extraEnv },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

const signed = { 'x-signature-ed25519': 'ab'.repeat(64), 'x-signature-timestamp': '1700000000' };

describe('POST /interactions/:provider/:tenant', () => {
  it('hands the raw bytes and signature headers to the access layer untouched, and returns its answer as JSON', async () => {
    const { access, calls } = accessDouble(async () => ({ status: 200, body: { type: 1 } }));
    const raw = '{"type":1,  "id":"1"}';
    const res = await post(access, { headers: signed, body: raw });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(await res.json()).toEqual({ type: 1 });
    // Per-hop timing for bench:interactions; no access timings when the access layer sent none.
    expect(res.headers.get('server-timing')).toMatch(/^route;dur=[\d.]+, access_rpc;dur=[\d.]+$/);
    expect(calls).toHaveLength(1);
    expect(new TextDecoder().decode(calls[0]!.body)).toBe(raw);
    expect(calls[0]).toMatchObject({
      provider: 'discord',
      tenant: 'duck',
      ...{ signature: signed['x-signature-ed25519'], timestamp: '1700000000' },
    });
  });

  it('passes missing headers as empty, so the access layer answers 401', async () => {
    const { access, calls } = accessDouble(async (i) =>
      i.signature === ''
        ? { status: 401, body: { error: 'missing_signature_headers' } }
        : { status: 200, body: {} },
    );
    const res = await post(access, { body: '{}' });
    expect(res.status).toBe(401);
    expect(calls[0]).toMatchObject({ signature: '', timestamp: '' });
  });

  it('refuses an oversized body with 413 by its declared length, without calling the access layer', async () => {
    const { access, calls } = accessDouble(async () => ({ status: 200, body: {} }));
    const res = await post(access, {
      headers: { ...signed, 'content-length': String(MAX_INTERACTION_BODY_BYTES + 1) },
      body: 'x'.repeat(MAX_INTERACTION_BODY_BYTES + 1),
    });
    expect(res.status).toBe(413);
    expect(calls).toEqual([]);
  });

  it('refuses a streamed body with 413 as soon as it passes the cap', async () => {
    const { access, calls } = accessDouble(async () => ({ status: 200, body: {} }));
    let pulled = 0;
    const chunk = new Uint8Array(16 * 1024).fill(120);
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        if (pulled > 100) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const res = await post(access, { headers: signed, body: stream, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
    expect(calls).toEqual([]);
    expect(pulled).toBeLessThan(10);
  });

  it('answers 503 inside the deadline when the access layer is slow, and abandons what the call started', async () => {
    const { access, calls, abandoned } = accessDouble(() => new Promise<InteractionReply>(() => {}));
    const started = Date.now();
    const res = await post(
      access,
      { headers: signed, body: '{}' },
      { INTERACTION_ACCESS_DEADLINE_MS: '100' },
    );
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: 'access_timeout' });
    expect(Date.now() - started).toBeLessThan(3_000);
    // The access call learned when its answer would be too late, and is told the request was abandoned.
    const intake = calls[0]!;
    expect(intake.answer_by).toBe(intake.received_at + 100);
    expect(abandoned).toEqual([{ provider: 'discord', tenant: 'duck', request_id: intake.request_id }]);
  });

  it('abandons nothing when the access layer answers in time', async () => {
    const { access, abandoned } = accessDouble(async () => ({ status: 200, body: { type: 1 } }));
    expect((await post(access, { headers: signed, body: '{}' })).status).toBe(200);
    expect(abandoned).toEqual([]);
  });

  it('answers 502 when the access layer fails, never a 500 with a stack', async () => {
    const { access } = accessDouble(async () => {
      throw new Error('boom');
    });
    const res = await post(access, { headers: signed, body: '{}' });
    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({ error: 'access_unavailable', message: 'the access layer failed' });
  });

  it('answers 404 for a path that is not a provider and tenant name', async () => {
    const { access, calls } = accessDouble(async () => ({ status: 200, body: {} }));
    expect((await post(access, { body: '{}' }, {}, '/interactions/Discord!/duck')).status).toBe(404);
    expect(calls).toEqual([]);
  });
});

describe('POST /admin/commands/:provider/:tenant', () => {
  it('is closed without ADMIN_TOKEN, refuses a wrong token, and reports the sync with the right one', async () => {
    const { access } = accessDouble(async () => ({ status: 200, body: {} }));
    const path = '/admin/commands/discord/duck?dry_run=1';
    expect((await post(access, {}, {}, path)).status).toBe(503);
    expect(
      (
        await post(
          access,
          { headers: { authorization: 'Bearer nope' } },
          { ADMIN_TOKEN: 'letmein-letmein-letmein-letmein-letmein' },
          path,
        )
      ).status,
    ).toBe(401);
    const ok = await post(
      access,
      { headers: { authorization: 'Bearer letmein-letmein-letmein-letmein-letmein' } },
      { ADMIN_TOKEN: 'letmein-letmein-letmein-letmein-letmein' },
      path,
    );
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({
      tenant: 'duck',
      applied: false,
      changes: [{ name: 'ask', change: 'added' }],
    });
  });
});
