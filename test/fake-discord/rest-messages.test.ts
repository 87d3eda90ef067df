/** Auth, message create/edit/delete, pagination, and the inspection endpoints. */
import type { APIMessage } from 'discord-api-types/v10';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeDiscord } from './fake-discord-rest.ts';
import { call, OTHER_TOKEN, startTestFake, TEST_BOT } from './rest-test-client.ts';
import { compareSnowflakes } from './snowflake.ts';

const CHANNEL = '530000000000000001';
const MESSAGES = `/channels/${CHANNEL}/messages`;

describe('REST messages', () => {
  let fake: FakeDiscord;
  beforeEach(async () => {
    ({ fake } = await startTestFake());
  });
  afterEach(() => fake.stop());

  it('refuses requests without a valid bot token with 401', async () => {
    const expected = { message: '401: Unauthorized', code: 0 };
    expect((await call(fake, 'GET', MESSAGES, { token: null })).body).toEqual(expected);
    expect((await call(fake, 'GET', MESSAGES, { token: 'wrong' })).body).toEqual(expected);
  });

  it('creates, edits and deletes a message', async () => {
    const created = (await call(fake, 'POST', MESSAGES, { body: { content: 'first' } })).body as APIMessage;
    expect(created).toMatchObject({
      channel_id: CHANNEL,
      content: 'first',
      author: { id: TEST_BOT.botUserId, bot: true },
    });
    const edited = await call(fake, 'PATCH', `${MESSAGES}/${created.id}`, { body: { content: 'second' } });
    expect(edited.body).toMatchObject({ id: created.id, content: 'second' });
    expect((edited.body as APIMessage).edited_timestamp).not.toBeNull();
    expect((await call(fake, 'DELETE', `${MESSAGES}/${created.id}`)).status).toBe(204);
    expect((await call(fake, 'GET', MESSAGES)).body).toEqual([]);
    const gone = await call(fake, 'DELETE', `${MESSAGES}/${created.id}`);
    expect(gone.body).toEqual({ message: 'Unknown Message', code: 10008 });
  });

  it("refuses an empty message and another bot's edit", async () => {
    expect((await call(fake, 'POST', MESSAGES, { body: {} })).body).toEqual({
      message: 'Cannot send an empty message',
      code: 50006,
    });
    const mine = (await call(fake, 'POST', MESSAGES, { body: { content: 'mine' } })).body as APIMessage;
    const theirs = await call(fake, 'PATCH', `${MESSAGES}/${mine.id}`, {
      body: { content: 'x' },
      token: OTHER_TOKEN,
    });
    expect(theirs.body).toEqual({ message: 'Cannot edit a message authored by another user', code: 50005 });
  });

  it('returns the existing message for a repeated enforced nonce', async () => {
    const body = { content: 'once', nonce: 'job-42', enforce_nonce: true };
    const first = (await call(fake, 'POST', MESSAGES, { body })).body as APIMessage;
    const second = (await call(fake, 'POST', MESSAGES, { body })).body as APIMessage;
    expect(second.id).toBe(first.id);
    expect(fake.state.messages(CHANNEL)).toHaveLength(1);
  });

  it('does not ping @everyone when allowed_mentions forbids it', async () => {
    const blocked = await call(fake, 'POST', MESSAGES, {
      body: { content: '@everyone hi <@700000000000000001>', allowed_mentions: { parse: [] } },
    });
    expect(blocked.body).toMatchObject({ mention_everyone: false, mentions: [] });
    const open = await call(fake, 'POST', MESSAGES, {
      body: { content: '@everyone hi <@700000000000000001>' },
    });
    expect(open.body).toMatchObject({ mention_everyone: true, mentions: [{ id: '700000000000000001' }] });
  });

  it('serves a channel, creating it on first use', async () => {
    const res = await call(fake, 'GET', `/channels/${CHANNEL}`);
    expect(res.body).toMatchObject({
      id: CHANNEL,
      type: 0,
      guild_id: fake.state.defaultGuildId,
      last_message_id: null,
    });
  });
});

describe('GET /channels/{channel_id}/messages paging', () => {
  let fake: FakeDiscord;
  let seeded: APIMessage[];
  beforeEach(async () => {
    ({ fake } = await startTestFake());
    seeded = fake.state.seedChannel(CHANNEL, { guildId: '530000000000000999', messages: 120 });
  });
  afterEach(() => fake.stop());

  const ids = (page: unknown) => (page as APIMessage[]).map((m) => m.id);

  it('seeds increasing snowflakes with deterministic content', () => {
    expect(seeded).toHaveLength(120);
    expect(seeded[0]?.content).toBe(`seed message 1 of 120 in ${CHANNEL}`);
    for (let i = 1; i < seeded.length; i++) {
      expect(compareSnowflakes(seeded[i - 1]?.id ?? '', seeded[i]?.id ?? '')).toBe(-1);
    }
  });

  it('walks history newest first with `before`, 50 at a time by default, without gaps', async () => {
    const pages: string[][] = [];
    let before: string | undefined;
    for (;;) {
      const page = ids((await call(fake, 'GET', `${MESSAGES}${before ? `?before=${before}` : ''}`)).body);
      if (page.length === 0) break;
      pages.push(page);
      before = page.at(-1);
    }
    expect(pages.map((p) => p.length)).toEqual([50, 50, 20]);
    expect(pages.flat()).toEqual(seeded.map((m) => m.id).reverse());
  });

  it('honours limit, after and around', async () => {
    const newest = ids((await call(fake, 'GET', `${MESSAGES}?limit=3`)).body);
    expect(newest).toEqual(
      seeded
        .slice(-3)
        .map((m) => m.id)
        .reverse(),
    );
    const after = ids((await call(fake, 'GET', `${MESSAGES}?after=${seeded[9]?.id}&limit=5`)).body);
    expect(after).toEqual(
      seeded
        .slice(10, 15)
        .map((m) => m.id)
        .reverse(),
    );
    const around = ids((await call(fake, 'GET', `${MESSAGES}?around=${seeded[60]?.id}&limit=4`)).body);
    expect(around).toEqual(
      seeded
        .slice(58, 62)
        .map((m) => m.id)
        .reverse(),
    );
  });
});

describe('inspection endpoints', () => {
  let fake: FakeDiscord;
  beforeEach(async () => {
    ({ fake } = await startTestFake());
  });
  afterEach(() => fake.stop());

  it('records requests without the Authorization header', async () => {
    await call(fake, 'POST', MESSAGES, { body: { content: 'logged' } });
    const [request] = fake.state.requests({ route: 'create_message' });
    expect(request).toMatchObject({
      method: 'POST',
      path: MESSAGES,
      route: '/channels/{channel_id}/messages',
      body: { content: 'logged' },
      bot: TEST_BOT.botUserId,
      status: 200,
    });
    expect(request?.headers.authorization).toBeUndefined();
    expect(request?.headers['content-type']).toBe('application/json');
  });

  it('counts requests by route, messages per channel and 429s, and resets', async () => {
    for (let i = 0; i < 6; i++) await call(fake, 'POST', MESSAGES, { body: { content: `m${i}` } });
    const state = await call(fake, 'GET', '/__fake/state');
    expect(state.body).toMatchObject({
      requests_total: 6,
      requests_by_route: { 'POST /channels/{channel_id}/messages': 6 },
      messages_per_channel: { [CHANNEL]: 5 },
      rate_limited: 1,
    });
    expect((await call(fake, 'POST', '/__fake/reset')).status).toBe(204);
    expect((await call(fake, 'GET', '/__fake/state')).body).toMatchObject({
      requests_total: 0,
      rate_limited: 0,
    });
    expect((await call(fake, 'POST', MESSAGES, { body: { content: 'fresh window' } })).status).toBe(200);
  });
});
