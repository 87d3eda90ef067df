/**
 * Compares the commands Discord has with the ones we define, the way Discord itself decides a
 * command changed: by (type, name), on a canonical form with Discord's defaults filled in, so that
 * re-registering an unchanged set reports "unchanged" and writes nothing.
 */
import type { CommandChange } from '../../platform/interaction-intake.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const OPTION_KEYS = [
  'type',
  'name',
  'description',
  'required',
  'choices',
  'options',
  'channel_types',
  'min_value',
  'max_value',
  'min_length',
  'max_length',
  'autocomplete',
] as const;

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function canonicalOption(raw: unknown): Json {
  const o = record(raw);
  const out: Record<string, Json> = {};
  for (const key of OPTION_KEYS) {
    const value = o[key];
    if (value === undefined || value === null) continue;
    if (key === 'options') out.options = (value as unknown[]).map(canonicalOption);
    else if (key === 'channel_types') out.channel_types = [...(value as number[])].sort((a, b) => a - b);
    else out[key] = value as Json;
  }
  // Discord leaves these out when false; we may write them either way.
  if (out.required === false) delete out.required;
  if (out.autocomplete === false) delete out.autocomplete;
  if (Array.isArray(out.options) && out.options.length === 0) delete out.options;
  return out;
}

/** A command definition (ours or Discord's answer) in the form two equal definitions share. */
export function canonicalCommand(raw: unknown): Json {
  const c = record(raw);
  const sorted = (v: unknown) => (Array.isArray(v) ? [...(v as number[])].sort((a, b) => a - b) : null);
  return {
    type: typeof c.type === 'number' ? c.type : 1,
    name: String(c.name ?? ''),
    description: String(c.description ?? ''),
    options: Array.isArray(c.options) ? c.options.map(canonicalOption) : [],
    default_member_permissions:
      c.default_member_permissions === undefined || c.default_member_permissions === null
        ? null
        : String(c.default_member_permissions),
    nsfw: c.nsfw === true,
    contexts: sorted(c.contexts),
    integration_types: sorted(c.integration_types) ?? [0],
  };
}

const keyOf = (c: unknown) => `${record(c).type ?? 1}:${String(record(c).name)}`;

/** What a bulk overwrite with `wanted` would do to `existing`, one entry per command name. */
export function diffCommands(
  existing: readonly unknown[],
  wanted: readonly unknown[],
): Array<{ name: string; change: CommandChange }> {
  const before = new Map(existing.map((c) => [keyOf(c), c]));
  const changes: Array<{ name: string; change: CommandChange }> = wanted.map((c) => {
    const old = before.get(keyOf(c));
    const name = String(record(c).name);
    if (old === undefined) return { name, change: 'added' as const };
    const same = JSON.stringify(canonicalCommand(old)) === JSON.stringify(canonicalCommand(c));
    return { name, change: same ? ('unchanged' as const) : ('updated' as const) };
  });
  const kept = new Set(wanted.map(keyOf));
  for (const [key, c] of before)
    if (!kept.has(key)) changes.push({ name: String(record(c).name), change: 'removed' as const });
  return changes;
}
