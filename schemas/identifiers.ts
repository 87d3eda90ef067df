/** Shared zod building blocks for the names every envelope and topic carries. */
import { z } from 'zod';

/** Provider and tenant names are topic segments: lowercase, no dots, no wildcards. */
export const SegmentName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be 1-63 chars of a-z, 0-9, _ or -, starting alphanumeric');

export const ProviderName = SegmentName.describe('provider name, e.g. discord, echo');
export const TenantName = SegmentName.describe('tenant name inside a provider, e.g. duck');

/** `urn:<provider>:<kind>:<tenant>:<id>`; the id may itself contain colons. */
export const UrnString = z
  .string()
  .regex(
    /^urn:[a-z0-9][a-z0-9_-]*:[a-z][a-z0-9_.-]*:[a-z0-9][a-z0-9_-]*:\S+$/,
    'must be urn:<provider>:<kind>:<tenant>:<id>',
  );

export const IsoTimestamp = z.iso.datetime({ offset: true });

/** A foreign (provider-side) id, always carried as a string (Discord snowflakes exceed 2^53). */
export const ForeignId = z.string().min(1).max(128);
