/**
 * A document Durable Object validates what its RPC receives (the trust boundary); its callers do not
 * validate again. An error loses its class crossing RPC, so a refusal travels back as data and the
 * caller rethrows it as the typed, non-retriable `InvalidDocumentError` it was.
 */
import type { DocumentScope } from './document-validation.ts';
import { InvalidDocumentError } from './storage-errors.ts';

export interface DocumentRefusal {
  refused: { message: string; issues: string[] };
}

/** Runs the object's side of a call; an `InvalidDocumentError` becomes a refusal, anything else throws. */
export async function refusingInvalid<T>(work: () => Promise<T>): Promise<T | DocumentRefusal> {
  try {
    return await work();
  } catch (e) {
    if (!(e instanceof InvalidDocumentError)) throw e;
    const issues = [...e.issues];
    const suffix = `: ${issues.join('; ')}`;
    const message = e.message.endsWith(suffix) ? e.message.slice(0, -suffix.length) : e.message;
    return { refused: { message, issues } };
  }
}

/** The caller's side: the answer, or the refusal thrown as an `InvalidDocumentError` carrying the tenant. */
export function acceptedOrThrow<T extends object>(answer: T | DocumentRefusal, scope: DocumentScope): T {
  if ('refused' in answer)
    throw new InvalidDocumentError(answer.refused.message, answer.refused.issues, scope);
  return answer;
}
