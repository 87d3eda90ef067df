import { SocialMessageCreated } from '@promethean/schemas/events/social-message';
import { BackfillEnqueue } from '@promethean/schemas/jobs/backfill-messages';
import { describe, expect, it } from 'vitest';
import { assertPattern, parseTopic, TopicError, topic, topicFor, topicMatches } from './topics.ts';

describe('topic grammar', () => {
  it('builds and parses topics, names with dots included', () => {
    const t = topicFor(BackfillEnqueue, 'discord', 'duck');
    expect(t).toBe('promethean.p.discord.t.duck.jobs.backfill.messages.enqueue');
    expect(parseTopic(t)).toEqual({
      provider: 'discord',
      tenant: 'duck',
      area: 'jobs',
      name: 'backfill.messages.enqueue',
    });
    expect(topic(parseTopic(t))).toBe(t);
  });

  it.each([
    'promethean.p.discord.t.duck.events',
    'prometheus.p.discord.t.duck.events.X',
    'promethean.p.Discord.t.duck.events.X',
    'promethean.p.discord.t.duck.nowhere.X',
    'promethean.p.discord.t..events.X',
    'promethean.p.*.t.duck.events.X',
    'promethean.p.discord.t.duck.events.X.>',
  ])('rejects %s as a concrete topic', (junk) => {
    expect(() => parseTopic(junk)).toThrow(TopicError);
  });

  it('matches * per segment and a final > for the rest', () => {
    const created = topicFor(SocialMessageCreated, 'discord', 'duck');
    expect(topicMatches('promethean.p.*.t.*.events.SocialMessageCreated', created)).toBe(true);
    expect(topicMatches('promethean.p.*.t.*.events.SocialMessageUpdated', created)).toBe(false);
    expect(topicMatches('promethean.p.echo.t.*.events.SocialMessageCreated', created)).toBe(false);
    expect(topicMatches('promethean.>', created)).toBe(true);
    expect(
      topicMatches(
        'promethean.p.discord.t.duck.jobs.>',
        'promethean.p.discord.t.duck.jobs.backfill.messages.done',
      ),
    ).toBe(true);
    expect(topicMatches('promethean.p.discord.t.duck.jobs.>', 'promethean.p.discord.t.duck.jobs')).toBe(
      false,
    );
    expect(topicMatches('promethean.p.*.t.*.events.*', created)).toBe(true);
    expect(topicMatches('promethean.p.*.t.*.events.*', `${created}.extra`)).toBe(false);
  });

  it.each([
    'promethean.>',
    'promethean.p.*.t.*.events.SocialMessageCreated',
    'promethean.p.discord.t.duck.>',
  ])('accepts the pattern %s', (p) => expect(() => assertPattern(p)).not.toThrow());

  it.each([
    'promethean.p.disc*.t.duck.events.X',
    'promethean.p.discord.t.duck.>.X',
    'promethean.x.discord.q.duck.>',
    'promethean.p.discord',
    'promethean..discord.t.duck.events.X',
  ])('rejects the pattern %s', (p) => expect(() => assertPattern(p)).toThrow(TopicError));
});
