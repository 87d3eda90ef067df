/**
 * Makes mention syntax inert, so a reply pings nobody even if the access layer's allowed_mentions
 * were misconfigured: a zero-width space (U+200B) goes after the `@` of `@everyone` / `@here` and
 * inside `<@…>`, `<@!…>`, `<@&…>` (users, nicknames, roles) and `<!…>` (broadcast syntax elsewhere).
 * The text still reads the same to people.
 */

const ZWSP = '\u200B';

export function defuseMentions(text: string): string {
  return text
    .replace(/@(everyone|here)\b/gi, `@${ZWSP}$1`)
    .replace(/<@/g, `<@${ZWSP}`)
    .replace(/<!/g, `<!${ZWSP}`);
}

/** Whether any live mention syntax remains (used by tests and as a last check before posting). */
export function hasLiveMention(text: string): boolean {
  return (
    /@(everyone|here)\b/i.test(text) || /<@[!&]?\d/.test(text) || /<!(everyone|here|channel)/i.test(text)
  );
}
