/**
 * What a provider's interaction adapter does in the access layer: read a verified body into a
 * provider-neutral command, speak the provider's response types, and make the interaction answerable
 * (hand its credential to the tenant's access object) before its bus event is published.
 */
import type { TenantView } from '@promethean/shared/platform/provider-registry';
import type { SlashCommandCall } from '@promethean/shared/platform/slash-command';

/** A verified interaction, read. */
export type InteractionReading =
  | { kind: 'ping'; interaction_id: string }
  | {
      kind: 'command';
      call: SlashCommandCall;
      /** Provider credential for answering (Discord: application id + token); never leaves the access layer. */
      credential?: { application_id: string; token: string } | undefined;
    }
  | { kind: 'unsupported'; interaction_id: string; message: string };

export type CommandReading = Extract<InteractionReading, { kind: 'command' }>;

/** The body is not an interaction of this provider (answered 400 after the signature checked out). */
export class MalformedInteractionBodyError extends Error {
  override readonly name = 'MalformedInteractionBodyError';
}

export interface InteractionAdapter {
  /** The credential key (providers.yml `credentials`) that holds the tenant's Ed25519 public key. */
  readonly publicKeyCredential: string;
  /** Reads a parsed JSON body; throws `MalformedInteractionBodyError`. */
  read(json: unknown, tenant: string): InteractionReading;
  readonly responses: {
    pong(): unknown;
    deferred(ephemeral: boolean): unknown;
    ephemeralMessage(content: string): unknown;
  };
  /** Makes the interaction answerable by a later `PostMessage` with its URN. */
  hold(
    env: AccessEnv,
    tenant: TenantView,
    reading: CommandReading,
    ephemeral: boolean,
    receivedAt: number,
  ): Promise<void>;
  /** Best effort: tells the user the command could not be started. */
  apologize(env: AccessEnv, tenant: TenantView, reading: CommandReading, content: string): Promise<void>;
}
