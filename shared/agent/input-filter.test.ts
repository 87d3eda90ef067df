import type { Envelope } from '@promethean/schemas/envelope';
import { SocialMessageCreated, SocialMessageUpdated } from '@promethean/schemas/events/social-message';
import { SocialMessagesBackfilled } from '@promethean/schemas/jobs/backfill-messages';
import { INPUT_PREDICATES } from '@promethean/schemas/manifest';
import type { PayloadOf } from '@promethean/schemas/message-definition';
import { describe, expect, it } from 'vitest';
import { createEnvelope, parseTypedEnvelope, sequentialIds } from './envelope-factory.ts';
import { INPUT_PREDICATE_SPECS, inputAdmits } from './input-filter.ts';
import { loadManifest, ManifestError } from './manifest-loader.ts';

const manifest = (inputs: string) => `id: filtered-agent
kind: stateless-worker
version: 1.0.0
description: an agent with filtered inputs
binds: { providers: ['*'], tenants: ['*'] }
inputs:
${inputs}
idempotency_key: '{provider}:{tenant}:{id}'
`;

const ids = sequentialIds('msg');
const ref = (kind: string, id: string) => ({ urn: `urn:echo:${kind}:demo:${id}`, foreign_id: id });
const at = { src: 'test', provider: 'echo', tenant: 'demo', clock: { now: () => 0 }, ids };

/** A created message, parsed as the router parses it (schema defaults applied). */
function created(extra: Record<string, unknown> = {}): Envelope & { payload: unknown } {
  const env = createEnvelope(
    SocialMessageCreated,
    {
      ...ref('message', '1'),
      channel: ref('channel', '10'),
      author: ref('user', '20'),
      content: 'hello',
      created_at: '2025-01-01T00:00:00.000Z',
      ...extra,
    },
    at,
  );
  return parseTypedEnvelope(env);
}

const attachment = {
  ...ref('attachment', '5'),
  url: 'https://cdn.example/a.png',
  filename: 'a.png',
  size: 10,
};

describe('input predicates', () => {
  it('are implemented for every name the manifest schema accepts', () => {
    expect(Object.keys(INPUT_PREDICATE_SPECS).sort()).toEqual([...INPUT_PREDICATES].sort());
  });

  it('addresses_agent holds for a mention of the agent or a direct message, not for other messages', () => {
    const test = INPUT_PREDICATE_SPECS.addresses_agent.test;
    const mentions = { users: [], roles: [], everyone: false };
    expect(test(created().payload)).toBe(false);
    expect(test(created({ mentions: { ...mentions, everyone: true, bot: false } }).payload)).toBe(false);
    expect(test(created({ mentions: { ...mentions, bot: true } }).payload)).toBe(true);
    expect(test(created({ is_direct: true }).payload)).toBe(true);
  });

  it('human_author refuses bots; an edit that does not name its author is admitted', () => {
    const test = INPUT_PREDICATE_SPECS.human_author.test;
    expect(test(created().payload)).toBe(true);
    expect(test(created({ author: { ...ref('user', '21'), bot: true } }).payload)).toBe(false);
    const edit = createEnvelope(
      SocialMessageUpdated,
      { ...ref('message', '1'), channel: ref('channel', '10'), edited_at: '2025-01-01T00:00:01.000Z' },
      at,
    );
    expect(test(parseTypedEnvelope(edit).payload)).toBe(true);
  });

  it('has_attachments holds only when the message lists one', () => {
    const test = INPUT_PREDICATE_SPECS.has_attachments.test;
    expect(test(created().payload)).toBe(false);
    expect(test(created({ attachments: [attachment] }).payload)).toBe(true);
  });
});

describe('inputAdmits', () => {
  const m = loadManifest(
    manifest(`  - topic: promethean.p.*.t.*.events.SocialMessageCreated
    schema: SocialMessageCreated
    when: [has_attachments, human_author]`),
    'filtered.yml',
  );

  it('admits a payload only when every predicate of the matching input holds', () => {
    const withFile = created({ attachments: [attachment] });
    expect(inputAdmits(m, withFile, withFile.payload)).toBe(true);
    const plain = created();
    expect(inputAdmits(m, plain, plain.payload)).toBe(false);
    const botFile = created({ attachments: [attachment], author: { ...ref('user', '21'), bot: true } });
    expect(inputAdmits(m, botFile, botFile.payload)).toBe(false);
  });

  it('admits a payload its predicates cannot read (the handler decides, as without a filter)', () => {
    const addressed = loadManifest(
      manifest(`  - topic: promethean.p.*.t.*.events.SocialMessageCreated
    schema: SocialMessageCreated
    when: [addresses_agent]`),
      'addressed.yml',
    );
    const plain = created();
    expect(inputAdmits(addressed, plain, plain.payload)).toBe(false);
    // A payload without `mentions` (no parse at this code's schema put the default there).
    expect(inputAdmits(addressed, plain, { content: 'hello' })).toBe(true);
  });

  it('admits anything through a second matching input without a filter', () => {
    const both = loadManifest(
      manifest(`  - topic: promethean.p.echo.t.*.events.SocialMessageCreated
    schema: SocialMessageCreated
    when: [addresses_agent]
  - topic: promethean.p.*.t.demo.events.SocialMessageCreated
    schema: SocialMessageCreated`),
      'two.yml',
    );
    const plain = created();
    expect(inputAdmits(both, plain, plain.payload)).toBe(true);
  });
});

describe('loadManifest: input filters', () => {
  it('refuses an unknown predicate, naming the file, the input and the known predicates', () => {
    const load = () =>
      loadManifest(
        manifest(`  - topic: promethean.p.*.t.*.events.SocialMessageCreated
    schema: SocialMessageCreated
    when: [addresses_agent, is_urgent]`),
        'functions/agents/filtered-agent/agent.yml',
      );
    expect(load).toThrow(ManifestError);
    expect(load).toThrow(
      'functions/agents/filtered-agent/agent.yml: inputs.0.when.1: unknown input predicate "is_urgent"; known: addresses_agent, human_author, has_attachments',
    );
  });

  it('refuses `when` on an output and misspelt settings, naming the key, instead of dropping them', () => {
    const withOutput = `${manifest(`  - topic: promethean.p.*.t.*.events.SocialMessageCreated
    schema: SocialMessageCreated`)}outputs:
  - topic: promethean.p.*.t.*.events.SocialMessageCreated
    schema: SocialMessageCreated
    when: [addresses_agent]
`;
    expect(() => loadManifest(withOutput, 'out.yml')).toThrow(/out\.yml: outputs\.0.*"when"/);
    const misspelt = `${manifest(`  - topic: promethean.p.*.t.*.events.SocialMessageCreated
    schema: SocialMessageCreated
    wen: [addresses_agent]`)}retry: { max_retry: 3 }
`;
    expect(() => loadManifest(misspelt, 'typo.yml')).toThrow(/inputs\.0.*"wen"/);
    const retryTypo = `${manifest(`  - topic: promethean.p.*.t.*.events.SocialMessageCreated
    schema: SocialMessageCreated`)}retry: { max_retry: 3 }
`;
    expect(() => loadManifest(retryTypo, 'typo.yml')).toThrow(/typo\.yml: retry.*"max_retry"/);
  });

  it('has_attachments holds for a backfilled page when any of its messages has one', () => {
    const test = INPUT_PREDICATE_SPECS.has_attachments.test;
    const page = (messages: Array<PayloadOf<typeof SocialMessageCreated>>) =>
      parseTypedEnvelope(
        createEnvelope(
          SocialMessagesBackfilled,
          { job_id: 'j1', channel: ref('channel', '10'), page: 0, part: 0, messages },
          at,
        ),
      ).payload;
    const plain = created().payload as PayloadOf<typeof SocialMessageCreated>;
    expect(test(page([plain, plain]))).toBe(false);
    expect(test(page([plain, { ...plain, attachments: [attachment] }]))).toBe(true);
  });

  it('refuses a predicate on an input whose payload it cannot test', () => {
    expect(() =>
      loadManifest(
        manifest(`  - topic: promethean.p.*.t.*.events.SocialMessageDeleted
    schema: SocialMessageDeleted
    when: [has_attachments]`),
        'deleted.yml',
      ),
    ).toThrow(
      'deleted.yml: inputs[0].when: has_attachments cannot test SocialMessageDeleted (it tests SocialMessageCreated, SocialMessageUpdated, SocialMessagesBackfilled)',
    );
  });

  it('refuses an empty filter (absent means every message)', () => {
    expect(() =>
      loadManifest(
        manifest(`  - topic: promethean.p.*.t.*.events.SocialMessageCreated
    schema: SocialMessageCreated
    when: []`),
        'empty.yml',
      ),
    ).toThrow(/empty\.yml: inputs\.0\.when: /);
  });

  it('leaves an input without a filter as it was', () => {
    const m = loadManifest(
      manifest(`  - topic: promethean.p.*.t.*.events.SocialMessageCreated
    schema: SocialMessageCreated`),
      'plain.yml',
    );
    expect(m.inputs[0]).toEqual({
      topic: 'promethean.p.*.t.*.events.SocialMessageCreated',
      schema: 'SocialMessageCreated',
    });
  });
});
