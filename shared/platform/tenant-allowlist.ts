/**
 * A tenant's allowlist (providers.yml `allowlist`: spaces and channels; empty lists allow everything),
 * for anything that arrives from a place: gateway events and interactions alike.
 */

export interface Allowlist {
  spaces: readonly string[];
  channels: readonly string[];
}

export interface Place {
  channelId?: string | undefined;
  /** The guild / community; undefined for a direct message (refused when spaces are listed). */
  spaceId?: string | undefined;
}

/** Whether something from `place` may reach the tenant's agents. */
export function allowlistAdmits(allow: Allowlist, place: Place): boolean {
  if (allow.spaces.length > 0 && (place.spaceId === undefined || !allow.spaces.includes(place.spaceId))) {
    return false;
  }
  if (
    allow.channels.length > 0 &&
    (place.channelId === undefined || !allow.channels.includes(place.channelId))
  ) {
    return false;
  }
  return true;
}
