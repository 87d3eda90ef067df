/**
 * The `npm run store-move` and `npm run reembed` client: start, status, watch, cutover, decommission,
 * rollback, pause and resume of a tenant's store move or re-embed through the functions Worker's admin
 * routes (functions/src/routes/admin-migrations.ts, admin-reembed.ts). `watch` drives the move one step per request until it has nothing left to do,
 * printing a progress line (bar, done/total, rate, ETA, CDC lag) per step.
 */
import { ProgressBar } from '../../shared/migrations/progress-bar.ts';

export type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

export interface StoreMoveClientOptions {
  url: string;
  token: string;
  provider: string;
  tenant: string;
  fetch: Fetch;
  print: (line: string) => void;
  now?: () => number;
  /** Which migration's routes (`store-move` by default). */
  migration?: 'store-move' | 'reembed';
}

export interface MoveView {
  state: {
    id: string;
    phase: string;
    goal?: string;
    backfilled: number;
    total?: number;
    /** A store move's CDC copies; a re-embed counts them in `cdc`. */
    cdc_applied?: number;
    cdc?: { reembedded: number; metadata_only: number; deleted: number };
    /** After a drained cutover (or `verify`): documents compared equal across the two stores. */
    verification?: { documents: number; verified: number; differing: number };
  };
  lag: number;
  progress: number;
  more?: boolean;
  routing?: unknown;
}

export class StoreMoveRequestError extends Error {
  override readonly name = 'StoreMoveRequestError';
}

export const REEMBED_USAGE = `usage: npm run reembed -- <command> --tenant <provider>/<tenant> [options]
commands: start --id <id> --model <embedding model> --dimension <n> [--goal dual_write|cut_over|decommissioned]
          status | watch | cutover | decommission | rollback
common:   --url URL (default http://127.0.0.1:8787)
          --queue  (start, cutover, decommission, rollback: the reembedder agent runs the steps from the
                    queue; follow with status, or the status page's migrations panel)`;

export const STORE_MOVE_USAGE = `usage: npm run store-move -- <command> --tenant <provider>/<tenant> [options]
commands: start --to sqlite|mongodb --id <id> [--goal dual_write|cut_over|decommissioned]
          status | watch | cutover | decommission | rollback | pause | resume | verify | repair
common:   --url URL (default http://127.0.0.1:8787)
          --queue  (start, cutover, decommission, rollback, resume: the store-mover agent runs the steps
                    from the queue; follow with status, or the status page's migrations panel)`;

export class StoreMoveClient {
  readonly #o: StoreMoveClientOptions;

  constructor(options: StoreMoveClientOptions) {
    this.#o = options;
  }

  async #call(suffix: string, method: 'GET' | 'POST', body?: unknown): Promise<MoveView> {
    const url = `${this.#o.url}/admin/migrations/${this.#o.provider}/${this.#o.tenant}/${this.#o.migration ?? 'store-move'}${suffix}`;
    const res = await this.#o.fetch(url, {
      method,
      headers: { authorization: `Bearer ${this.#o.token}`, 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new StoreMoveRequestError(`${method} ${url}: ${res.status} ${text}`);
    return JSON.parse(text) as MoveView;
  }

  /** A store move names `to`; a re-embed names `model` and `dimension`. */
  start(input: {
    id: string;
    to?: string;
    model?: string;
    dimension?: number;
    goal?: string;
    queue?: boolean;
  }): Promise<MoveView> {
    return this.#call('', 'POST', input);
  }

  status(): Promise<MoveView> {
    return this.#call('', 'GET');
  }

  action(
    name: 'cutover' | 'decommission' | 'rollback' | 'pause' | 'resume' | 'verify' | 'repair',
    o: { queue?: boolean } = {},
  ): Promise<MoveView> {
    return this.#call(`/${name}`, 'POST', o.queue ? { queue: true } : undefined);
  }

  /** Steps until the move has nothing left to do now (its goal reached, paused or ended). */
  async watch(maxSteps = 1_000_000): Promise<MoveView> {
    const bar = new ProgressBar(this.#o.now);
    let view = await this.status();
    for (let i = 0; i < maxSteps; i++) {
      view = await this.#call('/step', 'POST');
      const s = view.state;
      const cdc = s.cdc_applied ?? (s.cdc ? s.cdc.reembedded + s.cdc.metadata_only + s.cdc.deleted : 0);
      this.#o.print(
        `${bar.line(`${s.id} backfill`, s.backfilled, Math.max(s.total ?? 0, s.backfilled))} phase ${s.phase} lag ${view.lag} cdc ${cdc}${s.verification ? ` verified ${s.verification.verified}/${s.verification.documents}` : ''}`,
      );
      if (!view.more) break;
    }
    return view;
  }
}
