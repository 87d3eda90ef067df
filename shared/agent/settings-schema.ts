/**
 * The zod schema a runtime settings change is checked against, derived from the agent's manifest: only keys
 * the manifest declares, each with the JSON type of its default (a number stays a finite number, a list a
 * list). A patch that fails it changes nothing.
 */
import type { AgentManifest } from '@promethean/schemas/manifest';
import { z } from 'zod';

function schemaLike(value: unknown): z.ZodType {
  if (typeof value === 'string') return z.string().max(10_000);
  if (typeof value === 'number') return Number.isInteger(value) ? z.number().int() : z.number();
  if (typeof value === 'boolean') return z.boolean();
  if (Array.isArray(value)) return z.array(z.json()).max(1000);
  if (value !== null && typeof value === 'object') return z.record(z.string(), z.json());
  return z.json();
}

/** A strict, all-optional object of the manifest's settings. */
export function settingsSchema(
  manifest: Pick<AgentManifest, 'settings'>,
): z.ZodType<Record<string, unknown>> {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, value] of Object.entries(manifest.settings)) shape[key] = schemaLike(value).optional();
  return z.strictObject(shape) as unknown as z.ZodType<Record<string, unknown>>;
}
