/** Renders /search results as one short message: ranked snippets with who, when and a link. */
import type { VectorMatch } from '@promethean/shared/effects/effect-ports';
import { fromUrn } from '@promethean/shared/platform/urns';

export interface AnswerSettings {
  permalinkTemplate: string;
  userMentionTemplate: string;
  snippetChars: number;
}

/** Reads the agent's settings (manifest defaults overlaid with the tenant's). */
export function answerSettings(settings: Readonly<Record<string, unknown>>): AnswerSettings {
  const text = (v: unknown, d: string) => (typeof v === 'string' ? v : d);
  const chars = Number(settings.snippet_chars);
  return {
    permalinkTemplate: text(settings.permalink_template, ''),
    userMentionTemplate: text(settings.user_mention_template, '{user}') || '{user}',
    snippetChars: Number.isInteger(chars) && chars >= 40 && chars <= 500 ? chars : 180,
  };
}

function clip(text: string, limit: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= limit ? flat : `${flat.slice(0, limit - 1)}…`;
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);
}

/** The message id behind a match: its URN's id (vector ids are message URNs). */
function messageIdOf(match: VectorMatch): string {
  try {
    return fromUrn(match.id).id;
  } catch {
    return match.id;
  }
}

function resultLine(rank: number, match: VectorMatch, s: AnswerSettings): string {
  const meta = match.metadata;
  const channel = String(meta.channel_id ?? '?');
  const message = messageIdOf(match);
  const who =
    meta.author_id === undefined ? '' : ` ${fill(s.userMentionTemplate, { user: String(meta.author_id) })}`;
  const when = typeof meta.created_at === 'string' ? ` ${meta.created_at.slice(0, 10)}` : '';
  const link = s.permalinkTemplate
    ? fill(s.permalinkTemplate, { space: String(meta.space_id ?? '@me'), channel, message })
    : `message ${message} in #${channel}`;
  const quote = clip(match.document, s.snippetChars).replace(/`/g, "'");
  return `${rank}.${who}${when}: "${quote}" (${link})`;
}

/** The whole answer; says so when the embeddings are the offline stand-in (words, not meaning). */
export function searchAnswer(
  query: string,
  matches: readonly VectorMatch[],
  offline: boolean,
  s: AnswerSettings,
): string {
  const shown = clip(query, 100);
  const note = offline
    ? '\n[offline] embeddings are the offline stand-in: matches share words, not meaning.'
    : '';
  if (matches.length === 0) return `No indexed messages match "${shown}" yet.${note}`;
  const lines = matches.map((m, i) => resultLine(i + 1, m, s));
  return [`Top ${matches.length} for "${shown}":`, ...lines].join('\n') + note;
}
