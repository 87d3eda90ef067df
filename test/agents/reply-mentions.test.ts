/** Whatever the LLM writes, the reply pings nobody: mention_users is empty and mention syntax is defused. */
import { postMessageCalls } from '@promethean/durable-objects/rest/post-message-calls';
import { doubleRuntime, mentionEnvelope } from '@promethean/functions/agents/cephalon/cephalon-test-kit';
import { cephalon } from '@promethean/functions/agents/cephalon/handler';
import { defuseMentions, hasLiveMention } from '@promethean/functions/agents/cephalon/mention-defuser';
import { PostMessage } from '@promethean/schemas/commands/post-message';
import { invokeAgent } from '@promethean/shared/agent/agent-invocation';
import { type ModelDouble, startModelDouble } from '@promethean/test/model-double/model-double';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let double: ModelDouble;
beforeAll(async () => {
  double = await startModelDouble();
});
afterAll(async () => {
  await double.stop();
});

const hundredFifty = Array.from({ length: 150 }, (_, i) => `<@${100_000_000_000_000_000n + BigInt(i)}>`).join(
  ' ',
);

const LLM_OUTPUTS: Array<[string, string]> = [
  ['@everyone', 'Attention @everyone: the pond is frozen!'],
  ['@here', '@here look at this'],
  ['a role mention', 'Hey <@&123456789012345678>, meeting now'],
  ['150 user mentions', `Calling ${hundredFifty}`],
  ['nickname and broadcast forms', '<@!42> and <!everyone> and <!here> and @EVERYONE'],
];

describe('replies ping nobody', () => {
  it.each(LLM_OUTPUTS)('an LLM output with %s becomes a PostMessage that pings nobody', async (_, output) => {
    double.setChatReply(() => output);
    const rt = doubleRuntime(double);
    const outcome = await invokeAgent(cephalon, mentionEnvelope('3001', '<@100> say something'), rt.deps);
    expect(outcome.outcome).toBe('ok');
    const post = rt.recorder.published.find((e) => e.intent === 'PostMessage');
    const payload = PostMessage.payload.parse(post?.payload);
    expect(payload.mention_users).toEqual([]);
    expect(hasLiveMention(payload.content)).toBe(false);
    // The text still reads the same to a person (only zero-width spaces were added).
    expect(payload.content.replaceAll('\u200B', '')).toContain(output.slice(0, 40).replaceAll('\u200B', ''));
    // And the access layer's REST bodies allow no mention of any kind.
    for (const call of postMessageCalls({ ...payload, mention_users: payload.mention_users })) {
      expect((call.body as { allowed_mentions: unknown }).allowed_mentions).toMatchObject({
        parse: [],
        users: [],
      });
    }
  });

  it('defuses idempotently and leaves ordinary text alone', () => {
    expect(defuseMentions('email me at ada@example.com, #general, <#123>')).toBe(
      'email me at ada@example.com, #general, <#123>',
    );
    const once = defuseMentions('@everyone <@1>');
    expect(hasLiveMention(defuseMentions(once))).toBe(false);
  });
});
