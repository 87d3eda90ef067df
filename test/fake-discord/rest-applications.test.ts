/** Application commands, interaction callbacks and follow-ups, GET /gateway/bot and GET /users/@me. */
import type { APIApplicationCommand, APIMessage } from 'discord-api-types/v10';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeDiscord } from './fake-discord-rest.ts';
import type { TestClock } from './rest-test-client.ts';
import { call, OTHER_BOT, startTestFake, TEST_BOT } from './rest-test-client.ts';

const APP = TEST_BOT.applicationId;
const GUILD = '540000000000000001';

describe('application commands', () => {
  let fake: FakeDiscord;
  beforeEach(async () => {
    ({ fake } = await startTestFake());
  });
  afterEach(() => fake.stop());

  const put = async (body: unknown, path = `/applications/${APP}/commands`) =>
    (await call(fake, 'PUT', path, { body })).body as APIApplicationCommand[];

  it('replaces the set on bulk overwrite, keeping ids of commands whose names stay', async () => {
    const first = await put([
      { name: 'ask', description: 'Ask' },
      { name: 'join', description: 'Join voice' },
    ]);
    const second = await put([
      { name: 'ask', description: 'Ask' },
      { name: 'leave', description: 'Leave voice' },
    ]);
    const byName = (list: APIApplicationCommand[], name: string) => list.find((c) => c.name === name);
    expect(second.map((c) => c.name)).toEqual(['ask', 'leave']);
    expect(byName(second, 'ask')?.id).toBe(byName(first, 'ask')?.id);
    expect(byName(second, 'ask')?.version).toBe(byName(first, 'ask')?.version);
    const third = await put([{ name: 'ask', description: 'Ask the agent' }]);
    expect(third[0]?.id).toBe(byName(first, 'ask')?.id);
    expect(third[0]?.version).not.toBe(byName(first, 'ask')?.version);
    expect((await call(fake, 'GET', `/applications/${APP}/commands`)).body).toEqual(third);
  });

  it('keeps guild commands apart from global ones', async () => {
    await put([{ name: 'ask', description: 'Ask' }]);
    const guild = await put(
      [{ name: 'summon', description: 'Summon' }],
      `/applications/${APP}/guilds/${GUILD}/commands`,
    );
    expect(guild).toMatchObject([{ name: 'summon', guild_id: GUILD, application_id: APP }]);
    expect(fake.state.commands.list(APP, null).map((c) => c.name)).toEqual(['ask']);
  });

  it("refuses duplicate names, invalid bodies and another application's commands", async () => {
    const dup = await call(fake, 'PUT', `/applications/${APP}/commands`, {
      body: [
        { name: 'a', description: 'x' },
        { name: 'a', description: 'y' },
      ],
    });
    expect(dup.body).toMatchObject({
      code: 50035,
      errors: { 1: { name: { _errors: [{ code: 'APPLICATION_COMMANDS_DUPLICATE_NAME' }] } } },
    });
    const long = await call(fake, 'PUT', `/applications/${APP}/commands`, {
      body: [{ name: 'x'.repeat(33) }],
    });
    expect(long.body).toMatchObject({
      code: 50035,
      errors: { 0: { name: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } } },
    });
    const foreign = await call(fake, 'PUT', `/applications/${OTHER_BOT.applicationId}/commands`, {
      body: [],
    });
    expect(foreign.body).toEqual({ message: 'Missing Access', code: 50001 });
  });
});

describe('interactions', () => {
  let fake: FakeDiscord;
  let clock: TestClock;
  beforeEach(async () => {
    ({ fake, clock } = await startTestFake());
  });
  afterEach(() => fake.stop());

  const callback = (id: string, token: string, body: unknown, query = '') =>
    call(fake, 'POST', `/interactions/${id}/${token}/callback${query}`, { body, token: null });

  it('defers, edits the original, sends and edits a follow-up', async () => {
    const interaction = fake.state.createInteraction({ channelId: '540000000000000002' });
    expect((await callback(interaction.id, interaction.token, { type: 5 })).status).toBe(204);
    const placeholder = fake.state.messages('540000000000000002')[0];
    expect(placeholder?.flags).toBe(128);

    const hook = `/webhooks/${APP}/${interaction.token}`;
    const original = await call(fake, 'PATCH', `${hook}/messages/@original`, {
      body: { content: 'done' },
      token: null,
    });
    expect(original.body).toMatchObject({ id: placeholder?.id, content: 'done', flags: 0, webhook_id: APP });

    const followUp = (await call(fake, 'POST', hook, { body: { content: 'more' }, token: null }))
      .body as APIMessage;
    expect(followUp).toMatchObject({ content: 'more', channel_id: '540000000000000002' });
    const edited = await call(fake, 'PATCH', `${hook}/messages/${followUp.id}`, {
      body: { content: 'more!' },
      token: null,
    });
    expect(edited.body).toMatchObject({ id: followUp.id, content: 'more!' });
    expect(fake.state.interactions()[0]).toMatchObject({ callback: { type: 5 }, followupIds: [followUp.id] });
  });

  it('answers with_response=true with the interaction callback response', async () => {
    const interaction = fake.state.createInteraction();
    const res = await callback(
      interaction.id,
      interaction.token,
      { type: 4, data: { content: 'hi', flags: 64 } },
      '?with_response=true',
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      interaction: { id: interaction.id, response_message_ephemeral: true, response_message_loading: false },
      resource: { type: 4, message: { content: 'hi' } },
    });
    expect((await call(fake, 'GET', `/channels/${interaction.channelId}/messages`)).body).toEqual([]);
  });

  it('refuses a second callback, a wrong token and follow-ups after 15 minutes', async () => {
    const interaction = fake.state.createInteraction();
    await callback(interaction.id, interaction.token, { type: 5 });
    expect((await callback(interaction.id, interaction.token, { type: 5 })).body).toEqual({
      message: 'Interaction has already been acknowledged.',
      code: 40060,
    });
    const other = fake.state.createInteraction();
    expect((await callback(other.id, 'wrong-token', { type: 5 })).status).toBe(401);
    clock.advance(15 * 60_000);
    const late = await call(fake, 'POST', `/webhooks/${APP}/${interaction.token}`, {
      body: { content: 'x' },
      token: null,
    });
    expect(late.body).toEqual({ message: 'Unknown Webhook', code: 10015 });
  });

  it('registers unknown interactions on first callback unless strict', async () => {
    expect((await callback('540000000000000100', 'some-token', { type: 5 })).status).toBe(204);
    expect(fake.state.interactionStore.byId('540000000000000100')?.token).toBe('some-token');
    await fake.stop();
    ({ fake, clock } = await startTestFake({ strictInteractions: true }));
    expect((await callback('540000000000000100', 'some-token', { type: 5 })).body).toEqual({
      message: 'Unknown interaction',
      code: 10062,
    });
  });

  it('validates the callback body against the spec', async () => {
    const interaction = fake.state.createInteraction();
    const res = await callback(interaction.id, interaction.token, {
      type: 4,
      data: { content: 'x'.repeat(2001) },
    });
    expect(res.body).toMatchObject({
      code: 50035,
      errors: { data: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } } },
    });
  });
});

describe('gateway info and the current user', () => {
  let fake: FakeDiscord;
  beforeEach(async () => {
    ({ fake } = await startTestFake({ gateway: { sessionStartTotal: 5 } }));
  });
  afterEach(() => fake.stop());

  it('points GET /gateway/bot at the fake gateway', async () => {
    expect((await call(fake, 'GET', '/gateway/bot')).body).toEqual({
      url: fake.gatewayUrl,
      shards: 1,
      session_start_limit: { total: 5, remaining: 5, reset_after: 86_400_000, max_concurrency: 1 },
    });
  });

  it('answers GET /users/@me with the bot user', async () => {
    expect((await call(fake, 'GET', '/users/@me')).body).toMatchObject({ id: TEST_BOT.botUserId, bot: true });
  });

  it("answers GET /applications/@me with the bot's application", async () => {
    expect((await call(fake, 'GET', '/applications/@me')).body).toMatchObject({
      id: TEST_BOT.applicationId,
      bot: { id: TEST_BOT.botUserId },
    });
  });
});
