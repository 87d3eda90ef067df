/** Every REST request the fake answered, for assertions (Authorization is never kept). */

/** One request and the status it got. */
export interface RecordedRequest {
  method: string;
  /** Path after `/api/v10`. */
  path: string;
  query: Record<string, string>;
  /** The spec's route template, or null for unknown routes. */
  route: string | null;
  operationId: string | null;
  /** Lower-cased header names, without `authorization`. */
  headers: Record<string, string>;
  body: unknown;
  /** Bot user id of the token used, if any. */
  bot: string | null;
  /** Clock time (epoch ms) when the request arrived. */
  time: number;
  status: number;
}

/** Which requests to return; every given field must match. */
export interface RequestFilter {
  method?: string;
  /** A route template or operation id. */
  route?: string;
  status?: number;
  bot?: string;
}

/** The log, in arrival order. */
export class RequestLog {
  #entries: RecordedRequest[] = [];

  /** Adds a request. */
  record(entry: RecordedRequest): void {
    this.#entries.push(entry);
  }

  /** The requests matching the filter. */
  requests(filter: RequestFilter = {}): RecordedRequest[] {
    return this.#entries.filter(
      (r) =>
        (filter.method === undefined || r.method === filter.method) &&
        (filter.route === undefined || r.route === filter.route || r.operationId === filter.route) &&
        (filter.status === undefined || r.status === filter.status) &&
        (filter.bot === undefined || r.bot === filter.bot),
    );
  }

  /** Request counts keyed `METHOD template` (or `METHOD path` for unknown routes). */
  countsByRoute(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const r of this.#entries) {
      const key = `${r.method} ${r.route ?? r.path}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  }

  /** Forgets every request. */
  reset(): void {
    this.#entries = [];
  }
}
