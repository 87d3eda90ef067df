/**
 * The access Worker's RPC surface, as the functions Worker reaches it through its `ACCESS` service binding.
 * `AccessWorker` implements it, so a change on either side fails the typecheck. The functions Worker's
 * program never includes the access Worker's sources (they name its credential bindings), hence an
 * interface here rather than `Service<typeof AccessWorker>`.
 */
import type { AccessStatusRpc } from '../ops/access-status.ts';
import type { AccessInteractionsRpc } from './interaction-intake.ts';
import type { VoicePlayAnswer, VoicePlayRequest } from './voice-play-request.ts';

export interface AccessVoiceRpc {
  /** A playback chunk for the tenant's voice host (sent down its VoiceHostLink's control connection). */
  voicePlay(input: VoicePlayRequest): Promise<VoicePlayAnswer>;
}

export interface AccessRpc extends AccessInteractionsRpc, AccessStatusRpc, AccessVoiceRpc {}

/**
 * The `ACCESS` binding as the access Worker's entrypoint: the one place its type is asserted. Answers are
 * still validated where they are used, since the two Workers deploy separately and may differ in version.
 */
export function accessRpc(env: { ACCESS: Fetcher }): AccessRpc {
  return env.ACCESS as unknown as AccessRpc;
}
