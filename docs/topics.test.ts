import { readFileSync } from 'node:fs';
import { MESSAGE_DEFINITIONS } from '@promethean/schemas/catalog';
import { topicFor } from '@promethean/shared/platform/topics';
import { describe, expect, it } from 'vitest';

const doc = readFileSync(new URL('./topics.md', import.meta.url), 'utf8');

describe('docs/topics.md', () => {
  it.each(MESSAGE_DEFINITIONS.map((d) => [d.intent, d] as const))(
    'documents %s with its topic',
    (intent, def) => {
      const topic = topicFor(def, 'provider', 'tenant').replace(
        '.p.provider.t.tenant.',
        '.p.<provider>.t.<tenant>.',
      );
      const literal = (t: string) => t.replace(/[.*+?^${}()|[\]\\<>]/g, '\\$&');
      expect(doc).toMatch(new RegExp(`\\|\\s*\`${literal(intent)}\`\\s*\\|\\s*\`${literal(topic)}\`\\s*\\|`));
    },
  );
});
