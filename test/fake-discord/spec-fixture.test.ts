/** The spec fixture, the schema-subset validator, and the fake's fidelity to both. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeDiscord } from './fake-discord-rest.ts';
import { validateJsonSchema } from './json-schema-subset.ts';
import { REST_HANDLERS } from './rest-routes.ts';
import { call, startTestFake, TEST_BOT } from './rest-test-client.ts';
import type { ResponseSummary } from './spec-fixture.ts';
import { loadSpecFixture } from './spec-fixture.ts';

const fixture = loadSpecFixture();

/** Problems of `value` against a response summary: missing required keys or wrong top-level types. */
function shapeProblems(summary: ResponseSummary, value: unknown): string[] {
  const object = value as Record<string, unknown>;
  const problems = (summary.required ?? []).filter((k) => !(k in object)).map((k) => `missing ${k}`);
  for (const [key, type] of Object.entries(summary.properties ?? {})) {
    if (!(key in object) || (typeof type !== 'string' && !Array.isArray(type))) continue;
    const errors = validateJsonSchema({ type: type as never }, object[key]);
    if (errors !== null) problems.push(`${key} is not ${JSON.stringify(type)}`);
  }
  return problems;
}

function schemaOf(name: string): ResponseSummary {
  const summary = fixture.response_schemas[name];
  if (summary === undefined) throw new Error(`no summary for ${name}`);
  return summary;
}

describe('discord-spec.fixture.json', () => {
  it('names the spec it was extracted from and its MIT license', () => {
    expect(fixture.source).toEqual({
      repository: 'discord/discord-api-spec',
      path: 'specs/openapi.json',
      commit: '74fda0fad044407ea280043a03ffc9bc64c4e49e',
      license: 'MIT',
      generated_by: 'scripts/discord-spec-fixture.ts',
    });
  });

  it('holds every route the fake serves, and the fake serves every route it holds', () => {
    const operations = fixture.routes.map((r) => r.operation_id).sort();
    expect(Object.keys(REST_HANDLERS).sort()).toEqual(operations);
  });

  it("uses the spec's own path templates and parameter names", () => {
    const paths = fixture.routes.map((r) => `${r.method} ${r.path}`);
    expect(paths).toContain('POST /webhooks/{webhook_id}/{webhook_token}');
    expect(paths).toContain('PATCH /webhooks/{webhook_id}/{webhook_token}/messages/@original');
    expect(paths).toContain('POST /interactions/{interaction_id}/{interaction_token}/callback');
    for (const route of fixture.routes) {
      const inPath = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect(route.path_params.map((p) => p.name)).toEqual(inPath);
    }
  });

  it('records where it deliberately differs from the spec', () => {
    expect(fixture.overrides.map((o) => o.operation)).toEqual(['create_message', 'update_message']);
  });
});

describe('validateJsonSchema', () => {
  it('accepts null where the type or an anyOf branch allows it', () => {
    expect(validateJsonSchema({ type: ['string', 'null'] }, null)).toBeNull();
    expect(validateJsonSchema({ anyOf: [{ type: 'null' }, { type: 'object' }] }, null)).toBeNull();
    expect(validateJsonSchema({ type: 'string' }, null)).not.toBeNull();
  });

  it('reports required, maxItems, enum and unknown fields as Discord nests them', () => {
    const schema = {
      type: 'object' as const,
      properties: { a: { type: 'array' as const, maxItems: 1 }, b: { enum: [4, 5] } },
      required: ['c'],
      additionalProperties: false,
    };
    expect(validateJsonSchema(schema, { a: [1, 2], b: 3, d: true })).toEqual({
      c: { _errors: [{ code: 'BASE_TYPE_REQUIRED', message: 'This field is required' }] },
      a: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 1 or fewer in length.' }] },
      b: { _errors: [{ code: 'BASE_TYPE_CHOICES', message: 'Value must be one of {4, 5}.' }] },
      d: { _errors: [{ code: 'BASE_TYPE_BAD_KEY', message: 'Unknown field "d".' }] },
    });
  });

  it('indexes errors inside arrays', () => {
    const schema = { type: 'array' as const, items: { type: 'string' as const, maxLength: 2 } };
    expect(validateJsonSchema(schema, ['ok', 'too long'])).toEqual({
      1: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2 or fewer in length.' }] },
    });
  });
});

describe('the fake against the spec', () => {
  let fake: FakeDiscord;
  beforeEach(async () => {
    ({ fake } = await startTestFake());
  });
  afterEach(() => fake.stop());

  it('rejects content over 2000 characters with 50035 Invalid Form Body', async () => {
    const res = await call(fake, 'POST', '/channels/100000000000000010/messages', {
      body: { content: 'x'.repeat(2001) },
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      code: 50035,
      message: 'Invalid Form Body',
      errors: {
        content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] },
      },
    });
    expect(fake.state.messages('100000000000000010')).toEqual([]);
  });

  it('rejects wrong types, bad snowflakes and out-of-range query values', async () => {
    const wrong = await call(fake, 'POST', '/channels/100000000000000010/messages', {
      body: { content: 'hi', tts: 'yes' },
    });
    expect(wrong.body).toMatchObject({
      code: 50035,
      errors: { tts: { _errors: [{ code: 'BOOLEAN_TYPE_CONVERT' }] } },
    });
    const page = await call(fake, 'GET', '/channels/not-a-snowflake/messages?limit=101');
    expect(page.body).toMatchObject({
      code: 50035,
      errors: {
        channel_id: {
          _errors: [{ code: 'NUMBER_TYPE_COERCE', message: 'Value "not-a-snowflake" is not snowflake.' }],
        },
        limit: { _errors: [{ code: 'NUMBER_TYPE_MAX' }] },
      },
    });
  });

  it('answers unknown routes with 404 and wrong methods with 405', async () => {
    expect((await call(fake, 'GET', '/guilds/1/widget.json')).body).toEqual({
      message: '404: Not Found',
      code: 0,
    });
    expect((await call(fake, 'DELETE', '/users/@me')).body).toEqual({
      message: '405: Method Not Allowed',
      code: 0,
    });
  });

  it('returns messages, users, commands and gateway info with the fields the spec requires', async () => {
    const message = await call(fake, 'POST', '/channels/100000000000000010/messages', {
      body: { content: 'hi' },
    });
    expect(shapeProblems(schemaOf('MessageResponse'), message.body)).toEqual([]);
    const me = await call(fake, 'GET', '/users/@me');
    expect(shapeProblems(schemaOf('UserPIIResponse'), me.body)).toEqual([]);
    const commands = await call(fake, 'PUT', `/applications/${TEST_BOT.applicationId}/commands`, {
      body: [{ name: 'ask', description: 'Ask the agent' }],
    });
    const [command] = commands.body as unknown[];
    expect(shapeProblems(schemaOf('ApplicationCommandResponse'), command)).toEqual([]);
    const gateway = await call(fake, 'GET', '/gateway/bot');
    expect(shapeProblems(schemaOf('GatewayBotResponse'), gateway.body)).toEqual([]);
    const application = await call(fake, 'GET', '/applications/@me');
    expect(shapeProblems(schemaOf('PrivateApplicationResponse'), application.body)).toEqual([]);
  });
});
