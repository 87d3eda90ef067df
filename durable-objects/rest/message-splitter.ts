/** Splits message content at Discord's 2,000-character limit, preferring line and word boundaries. */

export const DISCORD_MESSAGE_LIMIT = 2000;

/** Chunks of at most `limit` characters that concatenate back to the original text. */
export function splitMessage(content: string, limit = DISCORD_MESSAGE_LIMIT): string[] {
  const chunks: string[] = [];
  let rest = content;
  while (rest.length > limit) {
    const window = rest.slice(0, limit);
    const cut = Math.max(window.lastIndexOf('\n'), window.lastIndexOf(' '));
    // A boundary in the first half would make tiny chunks; cut hard instead.
    const at = cut > limit / 2 ? cut + 1 : limit;
    chunks.push(rest.slice(0, at));
    rest = rest.slice(at);
  }
  if (rest.length > 0 || chunks.length === 0) chunks.push(rest);
  return chunks;
}
