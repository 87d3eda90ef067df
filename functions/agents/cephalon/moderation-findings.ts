/**
 * What the reply agent tells operators about (moderation.notice): mentions it defused in a model answer,
 * instruction-like text injected into the question it was asked, and a model that refused. Findings are
 * stored with the reply, so every delivery publishes the same notices under the same ids.
 */
import type { ModerationKind } from '@promethean/schemas/ops/moderation-notice';
import { defuseMentions, hasLiveMention } from './mention-defuser.ts';

export interface ModerationFinding {
  kind: ModerationKind;
  detail: string;
  count?: number;
}

/** Instruction-like patterns in user text: attempts to override the prompt or to pose as another role. */
const INJECTION_PATTERNS: ReadonlyArray<readonly [string, RegExp]> = [
  [
    'asks to ignore earlier instructions',
    /\b(ignore|disregard|forget)\b[^.\n]{0,40}\b(previous|prior|above|earlier|all)\b[^.\n]{0,20}\b(instructions|rules|prompt)/i,
  ],
  ['poses as the system or assistant role', /(^|\n)\s*(system|assistant)\s*:/i],
  ['imitates a frame marker', /<<<|>>>/],
  ['carries a chat message in JSON', /"role"\s*:\s*"(system|assistant)"/i],
  ['asks for the system prompt', /\b(reveal|print|show|repeat)\b[^.\n]{0,30}\bsystem prompt\b/i],
];

/** Which injection patterns `text` matches, by description. */
export function injectionPatterns(text: string): string[] {
  return INJECTION_PATTERNS.filter(([, pattern]) => pattern.test(text)).map(([what]) => what);
}

/** Live mention syntax in a model answer, counted before it is defused. */
function liveMentionCount(text: string): number {
  const broadcast = text.match(/@(everyone|here)\b/gi)?.length ?? 0;
  const tagged = text.match(/<[@!]/g)?.length ?? 0;
  return broadcast + tagged;
}

/** The findings for one reply: the question asked, the model's raw answer, and whether it refused. */
export function moderationFindings(o: {
  question: string;
  answer: string;
  refused: boolean;
}): ModerationFinding[] {
  const findings: ModerationFinding[] = [];
  const injected = injectionPatterns(o.question);
  if (injected.length > 0) {
    findings.push({
      kind: 'injection_detected',
      detail: `the question ${injected.join('; ')}; it was passed to the model only as framed, untrusted data`,
      count: injected.length,
    });
  }
  if (hasLiveMention(o.answer) || defuseMentions(o.answer) !== o.answer) {
    const count = Math.max(1, liveMentionCount(o.answer));
    findings.push({
      kind: 'mentions_defused',
      detail: `the model's answer held ${count} mention${count === 1 ? '' : 's'}; they were made inert and nobody was pinged`,
      count,
    });
  }
  if (o.refused)
    findings.push({ kind: 'refused', detail: 'the model declined to answer; the reply says so' });
  return findings;
}
