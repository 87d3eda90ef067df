import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProviderRegistry } from '@promethean/shared/platform/provider-registry';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createdDocument } from '../../functions/agents/message-indexer/message-document.ts';
import providersYml from '../../providers.yml';
import { dispatchEnvelopes, type PublishMode, publishModeOf } from './dispatch-publisher.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const BOT = '900000000000000101';
const tenant = ProviderRegistry.fromYaml(providersYml).tenant('discord', 'duck');

const message = {
  id: '1100000000000000777',
  channel_id: '700000000000000001',
  guild_id: '800000000000000001',
  author: { id: '300000000000000001', username: 'ada', global_name: 'Ada L' },
  content: `<@${BOT}> see the file`,
  timestamp: '2026-11-20T10:00:00.000000+00:00',
  edited_timestamp: null,
  mentions: [{ id: BOT, username: 'duck', bot: true }],
  mention_roles: [],
  mention_everyone: false,
  attachments: [
    { id: '1', filename: 'a.png', size: 10, url: 'https://cdn.example/a.png', content_type: 'image/png' },
  ],
  embeds: [],
};

const publish = (mode: PublishMode, type = 'MESSAGE_CREATE', data: unknown = message) =>
  dispatchEnvelopes(tenant, 'session-1', 41, type, data, BOT, '2026-11-20T10:00:01.000Z', mode).published;

describe('the gateway publish mode (cost levers)', () => {
  it('lean publishes one envelope per message that stores the same document as full', () => {
    const full = publish('full');
    const lean = publish('lean');
    expect(full.map((e) => e.intent)).toEqual(['raw.event', 'SocialMessageCreated']);
    expect(lean.map((e) => e.intent)).toEqual(['SocialMessageCreated']);
    const [fullEvent, leanEvent] = [full[1]!, lean[0]!];
    // Same id: a replay across a mode change overwrites downstream instead of duplicating.
    expect(leanEvent.id).toBe(fullEvent.id);
    expect(leanEvent.trace).toBe(fullEvent.trace);
    expect(leanEvent.payload).not.toHaveProperty('provider_payload');
    const scope = { provider: 'discord', tenant: 'duck' };
    type Created = Parameters<typeof createdDocument>[1];
    expect(createdDocument(scope, leanEvent.payload as Created)).toEqual(
      createdDocument(scope, fullEvent.payload as Created),
    );
    expect(JSON.stringify(leanEvent).length).toBeLessThan(JSON.stringify(fullEvent).length);
  });

  it('lean still publishes the raw event of a dispatch nothing normalizes', () => {
    const typing = { channel_id: '700000000000000001', user_id: '3', timestamp: 1 };
    expect(publish('lean', 'TYPING_START', typing).map((e) => e.intent)).toEqual(['raw.event']);
  });

  it('is lean unless the access Worker sets GATEWAY_PUBLISH=full', () => {
    expect([undefined, '', 'lean', 'FULL'].map(publishModeOf)).toEqual(['lean', 'lean', 'lean', 'lean']);
    expect(publishModeOf('full')).toBe('full');
  });

  it('no agent subscribes to raw.event (else the lean mode would starve it)', () => {
    const inputs: string[] = [];
    for (const dir of ['functions/agents', 'durable-objects']) {
      for (const agent of readdirSync(join(ROOT, dir))) {
        let text: string;
        try {
          text = readFileSync(join(ROOT, dir, agent, 'agent.yml'), 'utf8');
        } catch {
          continue;
        }
        const manifest = parse(text) as { inputs?: Array<{ topic: string }> };
        for (const i of manifest.inputs ?? []) inputs.push(i.topic);
      }
    }
    expect(inputs.length).toBeGreaterThan(10);
    const raw = inputs.filter(
      (t) => /(^|\.)(raw\.event|raw\.\*|raw\.>|>)$/.test(t) || t.endsWith('.*.event'),
    );
    expect(raw).toEqual([]);
  });
});
