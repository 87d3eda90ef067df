/** URNs `urn:<provider>:<kind>:<tenant>:<id>`: how documents, vectors and logs name things. */

export interface UrnParts {
  provider: string;
  kind: string;
  tenant: string;
  /** The provider-side id; may contain colons. */
  id: string;
}

/** Thrown for text that is not a well-formed URN, or parts that cannot form one. */
export class UrnError extends Error {
  override readonly name = 'UrnError';
  constructor(
    readonly input: string,
    reason: string,
  ) {
    super(`invalid urn "${input}": ${reason}`);
  }
}

const NAME = /^[a-z0-9][a-z0-9_-]*$/;
const KIND = /^[a-z][a-z0-9_.-]*$/;
const ID = /^\S+$/;

function check(input: string, p: UrnParts): UrnParts {
  if (!NAME.test(p.provider)) throw new UrnError(input, `provider "${p.provider}" must match ${NAME}`);
  if (!KIND.test(p.kind)) throw new UrnError(input, `kind "${p.kind}" must match ${KIND}`);
  if (!NAME.test(p.tenant)) throw new UrnError(input, `tenant "${p.tenant}" must match ${NAME}`);
  if (!ID.test(p.id)) throw new UrnError(input, 'id must be non-empty with no whitespace');
  return p;
}

/** Builds a URN; throws `UrnError` when a part is malformed. */
export function toUrn(parts: UrnParts): string {
  const text = `urn:${parts.provider}:${parts.kind}:${parts.tenant}:${parts.id}`;
  check(text, parts);
  return text;
}

/** Parses a URN; `fromUrn(toUrn(x))` equals `x`. Throws `UrnError` on anything else. */
export function fromUrn(text: string): UrnParts {
  const [scheme, provider, kind, tenant, ...rest] = text.split(':');
  if (
    scheme !== 'urn' ||
    provider === undefined ||
    kind === undefined ||
    tenant === undefined ||
    rest.length === 0
  ) {
    throw new UrnError(text, 'expected urn:<provider>:<kind>:<tenant>:<id>');
  }
  return check(text, { provider, kind, tenant, id: rest.join(':') });
}
