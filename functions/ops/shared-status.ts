/**
 * The status snapshot agents read through the status port, shared within an isolate. Every `/status`
 * used to gather its own: the whole ops ledger snapshot, every access object's state over RPC and each
 * queue's backlog. Under a burst of commands that was most of their cost, and admission had to throttle
 * the status-reporter to keep it in check. A human reading "Status of … at <time>" is served as well by
 * a snapshot a second or two old, so a complete one is reused for `maxAgeMs`, and the messages of one
 * invocation that find none share the one gather in flight.
 *
 * Only the plain resolved snapshot crosses invocations (workerd ties a pending promise to the request
 * that created it); an invocation's in-flight gather is shared by that invocation's messages only.
 */
import type { StatusSnapshot } from '@promethean/shared/ops/status-snapshot';

/** How long a complete snapshot answers `/status` before the next one is gathered. */
export const STATUS_SHARE_MS = 2_000;

export interface SharedStatusOptions {
  maxAgeMs?: number;
  /** Milliseconds; tests pass a fake clock. */
  now?: () => number;
}

export class SharedStatus {
  readonly #maxAgeMs: number;
  readonly #now: () => number;
  #latest: { snapshot: StatusSnapshot; at: number } | undefined;

  constructor(o: SharedStatusOptions = {}) {
    this.#maxAgeMs = o.maxAgeMs ?? STATUS_SHARE_MS;
    this.#now = o.now ?? Date.now;
  }

  /**
   * A reader for one invocation: the kept snapshot while it is fresh, else one `gather` shared by every
   * caller of this reader until it settles. A snapshot with a part missing is answered but not kept, so
   * the next command asks again instead of repeating the failure for `maxAgeMs`.
   */
  reader(gather: () => Promise<StatusSnapshot>): () => Promise<StatusSnapshot> {
    let gathering: Promise<StatusSnapshot> | undefined;
    return () => {
      const kept = this.#latest;
      if (kept && this.#now() - kept.at < this.#maxAgeMs) return Promise.resolve(kept.snapshot);
      if (!gathering) {
        const started = this.#now();
        gathering = gather()
          .then((snapshot) => {
            if (isComplete(snapshot) && (!this.#latest || this.#latest.at <= started))
              this.#latest = { snapshot, at: started };
            return snapshot;
          })
          .finally(() => {
            gathering = undefined;
          });
      }
      return gathering;
    };
  }
}

function isComplete(s: StatusSnapshot): boolean {
  return s.ledger !== null && s.access !== null && !s.ledger_error && !s.access_error;
}

const perIsolate = new WeakMap<object, SharedStatus>();

/** The one `SharedStatus` of an isolate (keyed by its `IsolateOps`). */
export function sharedStatusOf(isolate: object): SharedStatus {
  let shared = perIsolate.get(isolate);
  if (!shared) {
    shared = new SharedStatus();
    perIsolate.set(isolate, shared);
  }
  return shared;
}
