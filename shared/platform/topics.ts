/** Topic grammar `promethean.p.<provider>.t.<tenant>.<area>.<name>` and wildcard matching. */
import type { MessageDefinition, TopicArea } from '@promethean/schemas/message-definition';
import { TOPIC_AREAS } from '@promethean/schemas/message-definition';

export interface TopicParts {
  provider: string;
  tenant: string;
  area: TopicArea;
  /** May contain dots, e.g. `backfill.messages.enqueue`. */
  name: string;
}

/** Thrown for a topic or pattern that does not follow the grammar. */
export class TopicError extends Error {
  override readonly name = 'TopicError';
  constructor(
    readonly topic: string,
    reason: string,
  ) {
    super(`invalid topic "${topic}": ${reason}`);
  }
}

const SEGMENT = /^[a-z0-9][a-z0-9_-]*$/;
const NAME_SEGMENT = /^[A-Za-z0-9_-]+$/;

function assertSegment(topic: string, label: string, value: string): void {
  if (!SEGMENT.test(value)) throw new TopicError(topic, `${label} "${value}" must match ${SEGMENT}`);
}

/** Builds a concrete topic, validating every part. */
export function topic(parts: TopicParts): string {
  const text = `promethean.p.${parts.provider}.t.${parts.tenant}.${parts.area}.${parts.name}`;
  assertSegment(text, 'provider', parts.provider);
  assertSegment(text, 'tenant', parts.tenant);
  if (!TOPIC_AREAS.includes(parts.area)) throw new TopicError(text, `unknown area "${parts.area}"`);
  for (const s of parts.name.split('.')) {
    if (!NAME_SEGMENT.test(s)) throw new TopicError(text, `name segment "${s}" must match ${NAME_SEGMENT}`);
  }
  return text;
}

/** The topic a message definition is published to for one provider and tenant. */
export function topicFor(def: MessageDefinition, provider: string, tenant: string): string {
  return topic({ provider, tenant, area: def.area, name: def.topicName });
}

/** Splits a concrete topic into its parts; throws `TopicError` for anything else. */
export function parseTopic(text: string): TopicParts {
  const s = text.split('.');
  if (s.length < 7 || s[0] !== 'promethean' || s[1] !== 'p' || s[3] !== 't') {
    throw new TopicError(text, 'expected promethean.p.<provider>.t.<tenant>.<area>.<name>');
  }
  const parts = { provider: s[2]!, tenant: s[4]!, area: s[5] as TopicArea, name: s.slice(6).join('.') };
  if (text.includes('*') || text.includes('>'))
    throw new TopicError(text, 'a concrete topic has no wildcards');
  topic(parts);
  return parts;
}

/**
 * Matches a topic against a pattern: `*` stands for exactly one segment, a final `>` for one or more.
 * Example: `promethean.p.*.t.*.events.SocialMessageCreated`.
 */
export function topicMatches(pattern: string, concrete: string): boolean {
  const p = pattern.split('.');
  const t = concrete.split('.');
  for (let i = 0; i < p.length; i++) {
    const seg = p[i]!;
    if (seg === '>') return i === p.length - 1 && t.length > i;
    if (i >= t.length) return false;
    if (seg !== '*' && seg !== t[i]) return false;
  }
  return p.length === t.length;
}

/** The fixed words of the grammar; `null` marks a segment that is a name or a wildcard. */
const SKELETON = ['promethean', 'p', null, 't', null] as const;

/**
 * Checks a subscription pattern's shape: the fixed words in place, wildcards only as whole segments,
 * `>` only last (it may cut the pattern short, as in `promethean.>`).
 */
export function assertPattern(pattern: string): void {
  const p = pattern.split('.');
  p.forEach((seg, i) => {
    if (seg.length === 0) throw new TopicError(pattern, 'empty segment');
    if ((seg.includes('*') && seg !== '*') || (seg.includes('>') && seg !== '>')) {
      throw new TopicError(pattern, `wildcards must be whole segments, got "${seg}"`);
    }
    if (seg === '>' && i !== p.length - 1) throw new TopicError(pattern, '">" may only be the last segment');
  });
  const open = p[p.length - 1] === '>';
  SKELETON.forEach((word, i) => {
    const seg = p[i];
    if (seg === undefined || seg === '>' || word === null) return;
    if (seg !== word) throw new TopicError(pattern, `segment ${i + 1} must be "${word}", got "${seg}"`);
  });
  if (!open && p.length < 7) {
    throw new TopicError(pattern, 'expected promethean.p.<provider|*>.t.<tenant|*>.<area|*>.<name|*|>>');
  }
}
