/** Media types: read from a Content-Type header and matched against an allowlist (`image/*` or exact). */

/** The bare media type (`image/png`) of a header, lowercased; `application/octet-stream` when absent. */
export function mediaTypeOf(header: string | null | undefined): string {
  const bare = (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return bare === '' ? 'application/octet-stream' : bare;
}

/** Whether `mediaType` is allowed: an entry is an exact type or a `type/*` wildcard; `*\/*` allows all. */
export function isAllowedMediaType(mediaType: string, allowlist: readonly string[]): boolean {
  const type = mediaTypeOf(mediaType);
  return allowlist.some((entry) => {
    const e = entry.trim().toLowerCase();
    if (e === '*/*') return true;
    if (e.endsWith('/*')) return type.startsWith(e.slice(0, -1));
    return e === type;
  });
}
