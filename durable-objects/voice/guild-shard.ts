/** Which gateway shard owns a guild: Discord's `(guild_id >> 22) % num_shards`. */

export function guildShard(guildId: string, shards: number): number {
  if (shards <= 1 || !/^\d+$/.test(guildId)) return 0;
  return Number((BigInt(guildId) >> 22n) % BigInt(shards));
}
