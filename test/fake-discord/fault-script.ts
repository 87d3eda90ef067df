/** Scripted REST faults: the next N matching requests get a 429, a ban page, a 403, a 5xx, a delay... */
import { z } from 'zod';

const target = {
  /** Only requests with this HTTP method. */
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).optional(),
  /** A route template (`/channels/{channel_id}/messages`) or operation id (`create_message`). */
  route: z.string().optional(),
  /** A regular expression tested against the path after `/api/v10`. */
  path: z.string().optional(),
  /** How many matching requests the fault applies to (default 1), or `always`. */
  count: z.union([z.number().int().positive(), z.literal('always')]).optional(),
};

/** A fault, as `faults.add()` and `POST /__fake/faults` accept it. */
export const faultSchema = z.discriminatedUnion('kind', [
  z.object({
    ...target,
    /** A 429 with full headers; `shared` does not count as an invalid request. */
    kind: z.literal('rate-limit'),
    scope: z.enum(['user', 'global', 'shared']).optional(),
    retryAfter: z.number().nonnegative().optional(),
    code: z.number().int().optional(),
  }),
  /** A Cloudflare-level 429: only `Retry-After`, no X-RateLimit-* headers, no JSON body. */
  z.object({ ...target, kind: z.literal('bare-429'), retryAfter: z.number().nonnegative().optional() }),
  /** The HTML page Cloudflare serves (status 429) while an IP is banned. */
  z.object({ ...target, kind: z.literal('ban-page') }),
  /** 403 `{"message":"Missing Access","code":50001}`. */
  z.object({ ...target, kind: z.literal('missing-access') }),
  /** 401 `{"message":"401: Unauthorized","code":0}`. */
  z.object({ ...target, kind: z.literal('unauthorized') }),
  /** 500 (JSON), 502 (Cloudflare HTML) or 503 (plain text from the upstream proxy). */
  z.object({
    ...target,
    kind: z.literal('server-error'),
    status: z.union([z.literal(500), z.literal(502), z.literal(503)]).optional(),
  }),
  /** Waits `delayMs` before handling the request normally. */
  z.object({ ...target, kind: z.literal('slow'), delayMs: z.number().int().nonnegative() }),
  /** 404 `{"message":"Unknown Webhook","code":10015}`. */
  z.object({ ...target, kind: z.literal('unknown-webhook') }),
]);

/** A scripted fault. */
export type Fault = z.infer<typeof faultSchema>;

/** The request a fault is matched against. */
export interface FaultTarget {
  method: string;
  /** Path after `/api/v10`. */
  path: string;
  template: string | null;
  operationId: string | null;
}

/** A fault still waiting for requests. */
export interface ActiveFault {
  id: string;
  fault: Fault;
  remaining: number | 'always';
}

/** What the pipeline must do for one request. */
export interface FaultPlan {
  delayMs: number;
  fault?: Fault;
}

function matches(fault: Fault, request: FaultTarget): boolean {
  if (fault.method !== undefined && fault.method !== request.method) return false;
  if (fault.route !== undefined && fault.route !== request.template && fault.route !== request.operationId) {
    return false;
  }
  return fault.path === undefined || new RegExp(fault.path).test(request.path);
}

/** The scripted faults, consumed in the order they were added. */
export class FaultScript {
  #active: ActiveFault[] = [];
  #nextId = 1;

  /** Schedules a fault (validated as `POST /__fake/faults` would) and answers its id. */
  add(input: Fault): string {
    const fault = faultSchema.parse(input);
    const id = `fault-${this.#nextId++}`;
    this.#active.push({ id, fault, remaining: fault.count ?? 1 });
    return id;
  }

  /** Uses up the faults a request meets: every matching delay, then the first other matching fault. */
  take(request: FaultTarget): FaultPlan {
    const plan: FaultPlan = { delayMs: 0 };
    for (const active of this.#active) {
      if (!matches(active.fault, request)) continue;
      if (active.fault.kind === 'slow') plan.delayMs += active.fault.delayMs;
      else if (plan.fault === undefined) plan.fault = active.fault;
      else continue;
      if (active.remaining !== 'always') active.remaining -= 1;
    }
    this.#active = this.#active.filter((a) => a.remaining === 'always' || a.remaining > 0);
    return plan;
  }

  /** The faults not yet used up. */
  list(): ActiveFault[] {
    return this.#active.map((a) => ({ ...a }));
  }

  /** Removes one fault, or all of them. */
  clear(id?: string): void {
    this.#active = id === undefined ? [] : this.#active.filter((a) => a.id !== id);
  }
}
