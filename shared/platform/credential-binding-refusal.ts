/**
 * Why a tokenless Worker must not start with its current bindings. The functions Worker holds no
 * provider credential by construction; a mis-set secret (a bot token pasted into the wrong Worker, a
 * providers.yml reference bound there, a lower-case or oddly built name the static guards cannot see)
 * or a weak admin token is refused at runtime, naming the binding and never echoing its value.
 */

/** Bindings the functions Worker legitimately holds: its own secrets, none of them a provider's. */
const OWN_SECRETS = new Set([
  'ADMIN_TOKEN',
  'VOICE_INGEST_SECRET',
  'VOICE_PLAYBACK_SECRET',
  'EGRESS_SHARED_SECRET',
  'MODEL_API_KEY',
  'MONGODB_URI',
]);

/** Names that mean a provider credential whatever their case, prefix, suffix or separators. */
const CREDENTIAL_NAME =
  /(bot|discord|client|refresh|access|oauth|app|application|webhook|interaction)[_-]?(token|secret)|public[_-]?key|private[_-]?key|password/i;

/** Values shaped like a Discord bot token (base64 user id . timestamp . HMAC). */
const BOT_CREDENTIAL_SHAPE = /[MNO][A-Za-z\d_-]{22,27}\.[A-Za-z\d_-]{6,7}\.[A-Za-z\d_-]{27,40}/;

/** The shortest admin token accepted: guessing it must be hopeless. */
export const MIN_ADMIN_TOKEN_CHARS = 32;

/** The Worker refuses to serve: every request answers 500 with this message, queues retry. */
export class CredentialBindingError extends Error {
  override readonly name = 'CredentialBindingError';
  readonly bindings: readonly string[];

  constructor(worker: string, problems: readonly { binding: string; reason: string }[]) {
    super(
      `${worker} refuses to start: ${problems.map((p) => `${p.binding} ${p.reason}`).join('; ')}. ` +
        'Provider credentials belong on promethean-access only (wrangler secret delete <NAME> on this Worker).',
    );
    this.bindings = problems.map((p) => p.binding);
  }
}

export interface BindingProblem {
  binding: string;
  reason: string;
}

/**
 * Every binding of `env` that must not be there: a credential providers.yml references, a name that
 * looks like a provider credential, a value shaped like a bot token; and an ADMIN_TOKEN too short.
 */
export function credentialBindingProblems(
  env: Readonly<Record<string, unknown>>,
  referencedCredentials: readonly string[],
): BindingProblem[] {
  const referenced = new Set(referencedCredentials.map((n) => n.toUpperCase()));
  const problems: BindingProblem[] = [];
  for (const [binding, value] of Object.entries(env)) {
    if (referenced.has(binding.toUpperCase())) {
      problems.push({ binding, reason: 'is a provider credential named in providers.yml' });
    } else if (!OWN_SECRETS.has(binding) && CREDENTIAL_NAME.test(binding)) {
      problems.push({ binding, reason: 'is named like a provider credential' });
    } else if (typeof value === 'string' && BOT_CREDENTIAL_SHAPE.test(value)) {
      problems.push({ binding, reason: 'holds a value shaped like a Discord bot token' });
    }
  }
  const admin = env.ADMIN_TOKEN;
  if (typeof admin === 'string' && admin.length > 0 && admin.length < MIN_ADMIN_TOKEN_CHARS) {
    problems.push({
      binding: 'ADMIN_TOKEN',
      reason: `is ${admin.length} characters; use at least ${MIN_ADMIN_TOKEN_CHARS} (e.g. openssl rand -base64 32)`,
    });
  }
  return problems;
}
