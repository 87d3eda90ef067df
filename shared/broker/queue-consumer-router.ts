/**
 * Dispatches each queue message by topic to the agents whose manifests subscribe to it, and settles
 * every message on its own: ack on success or a non-retriable failure, retry with backoff, dead-letter
 * after `max_retries`. A message for several agents runs in all of them on the one delivery; an agent
 * that has to retry (or is deferred) continues on its own targeted copy, so one agent failing never
 * re-runs another agent's side effects. A message for an agent that is
 * overloaded, paused or stopped is deferred: re-sent with a delay, never dead-lettered, never counted
 * as a failure. A subscriber whose input filter (`when` in agent.yml, shared/agent/input-filter.ts)
 * refuses the parsed payload is not invoked at all: it is counted as `filtered`, with no context and
 * no trace hop.
 */
import type { Envelope, TypedEnvelope } from '@promethean/schemas/envelope';
import type { ErrorCode } from '@promethean/schemas/ops/ops-messages';
import type { AdmissionController, Permit } from '../agent/admission-control.ts';
import type { Agent } from '../agent/agent-definition.ts';
import { OverloadedError } from '../agent/agent-errors.ts';
import type { AgentControlState } from '../agent/agent-health.ts';
import { invokeParsed, publishErrorEvent, refuseInvalidMessage } from '../agent/agent-invocation.ts';
import { parseEnvelope, parsePayload } from '../agent/envelope-factory.ts';
import { hasInputFilter, inputAdmits } from '../agent/input-filter.ts';
import { bindsTenant } from '../agent/manifest-loader.ts';
import { type ContextDependencies, shareMessage } from '../agent/runtime-context.ts';
import { componentTelemetry } from '../agent/telemetry.ts';
import { topicMatches } from '../platform/topics.ts';
import { DeadLetter, QueueBatchBody, QueueBody } from './queue-body.ts';
import type { QueueBroker } from './queue-broker.ts';
import { retryDelaySeconds } from './retry-backoff.ts';

export interface DeadLetterSink {
  send(letter: DeadLetter): Promise<void>;
}

export type Settlement =
  | 'ack'
  | 'retry'
  | 'fanout'
  | 'dead_letter'
  | 'no_subscriber'
  | 'filtered'
  | 'deferred';

/** What happened to one message; `delaySeconds` is set for retries and deferrals. */
export interface SettlementRecord {
  settlement: Settlement;
  delaySeconds?: number;
}

/**
 * Why a message reached (or did not reach) its agent, for metrics and health. `filtered`: the agent's
 * input filter (`when` in agent.yml) refused the payload, so the agent never saw it.
 */
export type SettledOutcome =
  | 'ok'
  | 'skipped'
  | 'retry'
  | 'failed'
  | 'overloaded'
  | 'paused'
  | 'stopped'
  | 'filtered';

/** Everything the router knows about one settled message; observers turn this into metrics. */
export interface SettledMessage extends SettlementRecord {
  queue: string;
  agent?: string;
  intent?: string;
  provider?: string;
  tenant?: string;
  outcome?: SettledOutcome;
  code?: ErrorCode;
  /** Handler time by the runtime's clock, for messages an agent ran. */
  latencyMs?: number;
  /**
   * One of several agents that ran on a single delivery: the agent's outcome only. The queue message's
   * own fate is in the record without `shared` (settlement `fanout`, or `retry`).
   */
  shared?: boolean;
}

/** Sees each invocation start and each message settle (health trackers, metrics recorders). */
export interface RouterObserver {
  started?(agent: Agent, envelope: Envelope): void;
  settled?(message: SettledMessage): void;
}

/** Operators' controls over agents, as this isolate last saw them. */
export interface AgentControls {
  control(agentId: string): AgentControlState | undefined;
}

/** How long deferred messages wait before they are offered again, in seconds. */
export interface DeferralDelays {
  paused: number;
  stopped: number;
}

export const DEFAULT_DEFERRAL_DELAYS: DeferralDelays = Object.freeze({ paused: 60, stopped: 600 });

export interface RouterOptions {
  agents: readonly Agent[];
  broker: QueueBroker;
  deadLetters: DeadLetterSink;
  deps: ContextDependencies;
  /** The router's own name in error events. */
  name?: string;
  /** Bounded in-flight work per agent and tenant; without it nothing is refused. */
  admission?: AdmissionController;
  /** Paused or stopped agents get no work: their messages are deferred. */
  controls?: AgentControls;
  observer?: RouterObserver;
  deferralDelays?: DeferralDelays;
  /**
   * Messages of one batch settled at once (default 8). Each still settles on its own; running them
   * together overlaps their waits on stores, models and queues. Messages beyond an agent's in-flight
   * limits wait for the batch's own slots of that agent and tenant (`#admit`); only work held elsewhere
   * makes admission control defer a message.
   */
  concurrency?: number;
}

/** How long a message waits after the router itself failed on it. */
const ROUTER_ERROR_RETRY_S = 5;

/** How many messages of a batch the router settles at once unless told otherwise. */
export const DEFAULT_BATCH_CONCURRENCY = 8;

/** The agents that subscribe to an envelope's topic and bind its tenant. */
export function subscribersOf(agents: readonly Agent[], envelope: Envelope): Agent[] {
  // The intent first: one string compare rules out most inputs before any topic is split and matched.
  return agents.filter(
    (a) =>
      a.manifest.inputs.some((i) => i.schema === envelope.intent && topicMatches(i.topic, envelope.dst)) &&
      bindsTenant(a.manifest, envelope.provider, envelope.tenant),
  );
}

export class QueueConsumerRouter {
  readonly #o: RouterOptions;
  readonly #name: string;

  constructor(options: RouterOptions) {
    this.#o = options;
    this.#name = options.name ?? 'queue-router';
  }

  /**
   * Settles every message of the batch individually; returns what happened to each, by message id.
   * A message carrying several envelopes (`QueueBatchBody`) is opened first: each envelope settles as a
   * message of its own, in the same lanes as the rest of the batch, and the queue message is settled
   * once all of them are (`#settleCarrier`).
   */
  async consume(batch: MessageBatch<unknown>): Promise<Map<string, SettlementRecord>> {
    const units: { message: Message<unknown>; member: boolean }[] = [];
    const carriers: { message: Message<unknown>; members: BatchMember[] }[] = [];
    for (const message of batch.messages) {
      const members = batchMembers(message);
      if (members === undefined) {
        units.push({ message, member: false });
        continue;
      }
      carriers.push({ message, members });
      for (const m of members) units.push({ message: m, member: true });
    }
    const records: SettlementRecord[] = new Array(units.length);
    const slots = new BatchSlots();
    let next = 0;
    const lane = async () => {
      for (let i = next++; i < units.length; i = next++) {
        records[i] = await this.#settle(batch.queue, units[i]!.message, slots, units[i]!.member);
      }
    };
    const lanes = Math.max(1, Math.min(this.#o.concurrency ?? DEFAULT_BATCH_CONCURRENCY, units.length));
    await Promise.all(Array.from({ length: lanes }, lane));
    const settled = new Map(units.map((u, i) => [u.message.id, records[i]!]));
    for (const c of carriers) {
      const detail = await this.#settleCarrier(c.message, c.members);
      this.#observe({ queue: batch.queue, ...detail });
      settled.set(c.message.id, detail);
    }
    return settled;
  }

  /**
   * Settles a queue message whose envelopes have all settled. Envelopes that must run again (a retry,
   * a router error) continue on their own copies, sent with their delays; then the message is acked, so
   * the envelopes already done are not delivered again. If the copies cannot be sent, the whole message
   * is retried: the envelopes already done run again, which agents' idempotency by envelope id makes
   * harmless, and none is lost.
   */
  async #settleCarrier(message: Message<unknown>, members: BatchMember[]): Promise<SettlementRecord> {
    const again = members.filter((m) => m.retryDelaySeconds !== undefined);
    try {
      const byQueue = new Map<Queue<QueueBody>, MessageSendRequest<QueueBody>[]>();
      for (const m of again) {
        const q = this.#o.broker.queueFor((m.body.envelope as Partial<Envelope>).dst ?? '');
        const copy: MessageSendRequest<QueueBody> = {
          body: { ...m.body, failed_attempts: (m.body.failed_attempts ?? 0) + message.attempts },
          contentType: 'json',
          delaySeconds: m.retryDelaySeconds!,
        };
        byQueue.set(q, [...(byQueue.get(q) ?? []), copy]);
      }
      for (const [q, copies] of byQueue) await q.sendBatch(copies);
    } catch {
      message.retry({ delaySeconds: 1 });
      return { settlement: 'retry', delaySeconds: 1 };
    }
    message.ack();
    return { settlement: 'fanout' };
  }

  /** `member`: an envelope of a batched queue message, whose queue outcome its carrier records. */
  async #settle(
    queue: string,
    message: Message<unknown>,
    slots: BatchSlots,
    member = false,
  ): Promise<SettlementRecord> {
    const detail = await this.#settleWithDetail(queue, message, slots).catch((e: unknown) =>
      this.#retryAfterRouterError(queue, message, e),
    );
    this.#observe({ queue, ...detail, ...(member && { shared: true }) });
    const { settlement, delaySeconds } = detail;
    return { settlement, ...(delaySeconds !== undefined && { delaySeconds }) };
  }

  /**
   * Something outside any agent's invocation failed for this message (local notification, a copy that
   * could not be sent, an error event that could not be published): that message alone is retried, so
   * the rest of the batch keeps what it already settled instead of being redelivered with it.
   */
  #retryAfterRouterError(
    queue: string,
    message: Message<unknown>,
    error: unknown,
  ): Omit<SettledMessage, 'queue'> {
    try {
      message.retry({ delaySeconds: ROUTER_ERROR_RETRY_S });
    } catch {
      // Already settled before the failure: nothing more to do for this message.
    }
    componentTelemetry('queue-consumer-router').error(
      'router failed outside an agent; retrying this message only',
      {
        router: this.#name,
        queue,
        message_id: message.id,
        error: error instanceof Error ? error.message : String(error),
      },
    );
    return { settlement: 'retry', delaySeconds: ROUTER_ERROR_RETRY_S };
  }

  #observe(settled: SettledMessage): void {
    try {
      this.#o.observer?.settled?.(settled);
    } catch {
      // Observers count; they never change what happens to a message.
    }
  }

  async #settleWithDetail(
    queue: string,
    message: Message<unknown>,
    slots: BatchSlots,
  ): Promise<Omit<SettledMessage, 'queue'>> {
    const body = QueueBody.safeParse(message.body);
    if (!body.success) {
      return this.#deadLetter(
        queue,
        message,
        undefined,
        'invalid_envelope',
        new Error(`not a bus message: ${body.error.message}`),
      );
    }
    let envelope: Envelope;
    try {
      envelope = parseEnvelope(body.data.envelope);
    } catch (e) {
      return this.#deadLetter(queue, message, body.data, 'invalid_envelope', e as Error);
    }
    await this.#o.broker.notifyLocal(envelope);
    let targets = subscribersOf(this.#o.agents, envelope).filter(
      (a) => !body.data.target || a.manifest.id === body.data.target,
    );
    if (targets.length === 0) {
      if (body.data.target) {
        return this.#deadLetter(
          queue,
          message,
          body.data,
          'unknown_intent',
          new Error(`no agent ${body.data.target} handles ${envelope.dst}`),
        );
      }
      message.ack();
      return { settlement: 'no_subscriber' };
    }
    // The queue message is the boundary: its payload is parsed once, here, and every agent of this
    // delivery is given that one frozen parse (a payload that does not parse fails each of them as before).
    let parsed: TypedEnvelope<unknown> | Error;
    try {
      parsed = shareMessage(parsePayload(envelope));
    } catch (e) {
      parsed = e instanceof Error ? e : new Error(String(e));
    }
    if (!(parsed instanceof Error)) {
      targets = this.#admitted(queue, envelope, parsed, targets);
      if (targets.length === 0) {
        message.ack();
        return { settlement: 'filtered' };
      }
    }
    if (targets.length > 1)
      return this.#invokeEach(queue, message, body.data, envelope, parsed, targets, slots);
    return this.#invoke(queue, message, body.data, envelope, parsed, targets[0]!, slots);
  }

  /**
   * The targets whose input filters admit the payload. Each agent left out is observed as `filtered`
   * (a shared record: the queue message's own fate is in the record of the delivery) and is not
   * invoked, so it builds no context and makes no trace hop.
   */
  #admitted(queue: string, envelope: Envelope, parsed: TypedEnvelope<unknown>, targets: Agent[]): Agent[] {
    if (!targets.some((a) => hasInputFilter(a.manifest))) return targets;
    return targets.filter((agent) => {
      if (!hasInputFilter(agent.manifest) || inputAdmits(agent.manifest, envelope, parsed.payload))
        return true;
      this.#observe({
        queue,
        agent: agent.manifest.id,
        intent: envelope.intent,
        provider: envelope.provider,
        tenant: envelope.tenant,
        outcome: 'filtered',
        settlement: 'ack',
        shared: true,
      });
      return false;
    });
  }

  /**
   * Runs every subscriber on this one delivery. An agent that did not finish (a retry, a deferral, a dead
   * letter) continues on its own targeted copy, so no agent's retry ever re-runs another's side effects;
   * then the original is acked. If a copy cannot be sent, the original is retried: agents that already
   * finished run again, which their idempotency makes harmless.
   */
  async #invokeEach(
    queue: string,
    message: Message<unknown>,
    body: QueueBody,
    envelope: Envelope,
    parsed: TypedEnvelope<unknown> | Error,
    targets: Agent[],
    slots: BatchSlots,
  ): Promise<Omit<SettledMessage, 'queue'>> {
    const copies: MessageSendRequest<QueueBody>[] = [];
    await Promise.all(
      targets.map(async (agent) => {
        const share = new SharedDelivery(message);
        const detail = await this.#invoke(queue, share, body, envelope, parsed, agent, slots);
        this.#observe({ queue, ...detail, shared: true });
        if (share.retryDelaySeconds !== undefined) {
          copies.push({
            body: {
              ...body,
              target: agent.manifest.id,
              failed_attempts: (body.failed_attempts ?? 0) + message.attempts,
            },
            contentType: 'json',
            delaySeconds: share.retryDelaySeconds,
          });
        }
      }),
    );
    if (copies.length > 0) {
      try {
        await this.#o.broker.queueFor(envelope.dst).sendBatch(copies);
      } catch {
        message.retry({ delaySeconds: 1 });
        return { settlement: 'retry', delaySeconds: 1 };
      }
    }
    message.ack();
    return { settlement: 'fanout' };
  }

  async #invoke(
    queue: string,
    message: Message<unknown>,
    body: QueueBody,
    envelope: Envelope,
    parsed: TypedEnvelope<unknown> | Error,
    agent: Agent,
    slots: BatchSlots,
  ): Promise<Omit<SettledMessage, 'queue'>> {
    const about = {
      agent: agent.manifest.id,
      intent: envelope.intent,
      provider: envelope.provider,
      tenant: envelope.tenant,
    };
    const admitted = await this.#admit(message, body, envelope, agent, slots);
    if ('settlement' in admitted) return { ...about, ...admitted };
    this.#o.observer?.started?.(agent, envelope);
    let result: Awaited<ReturnType<typeof invokeParsed>> | undefined;
    try {
      result =
        parsed instanceof Error
          ? await refuseInvalidMessage(agent, body.envelope, parsed, this.#o.deps)
          : await invokeParsed(agent, parsed, this.#o.deps);
    } finally {
      admitted.permit?.release(result && result.outcome !== 'skipped' ? result.latencyMs : undefined);
    }
    const latencyMs = result.outcome === 'skipped' ? undefined : result.latencyMs;
    const ran = { ...about, outcome: result.outcome, ...(latencyMs !== undefined && { latencyMs }) };
    switch (result.outcome) {
      case 'ok':
      case 'skipped':
        message.ack();
        return { ...ran, settlement: 'ack' };
      case 'failed': {
        const targeted = { ...body, target: agent.manifest.id };
        const settled = await this.#deadLetter(queue, message, targeted, result.code, result.error, false);
        return { ...ran, code: result.code, ...settled };
      }
      case 'retry':
        return { ...ran, ...(await this.#retryOrGiveUp(queue, message, body, envelope, agent, result)) };
    }
  }

  /**
   * Holds the message back when an operator paused or stopped the agent, or when admission control
   * refuses it (deferred either way); otherwise answers with the slot the invocation holds. A refusal
   * while this batch itself holds one of the agent's slots for the tenant waits for one of them to free:
   * the batch would run the message moments later anyway, and a deferral costs another queue write and
   * delivery and at least a second of delay (a batch with more than 16 `/status` of one tenant used to send
   * the surplus round again, and the copies came back into later batches).
   */
  async #admit(
    message: Message<unknown>,
    body: QueueBody,
    envelope: Envelope,
    agent: Agent,
    slots: BatchSlots,
  ): Promise<{ permit: Permit | undefined } | (SettlementRecord & Pick<SettledMessage, 'outcome' | 'code'>)> {
    const control = this.#o.controls?.control(agent.manifest.id);
    if (control) {
      const delay = (this.#o.deferralDelays ?? DEFAULT_DEFERRAL_DELAYS)[control];
      return { outcome: control, ...(await this.#defer(message, body, envelope, agent, delay)) };
    }
    const admission = this.#o.admission;
    if (!admission) return { permit: undefined };
    const tenant = `${envelope.provider}/${envelope.tenant}`;
    const key = `${agent.manifest.id}\n${tenant}`;
    try {
      for (;;) {
        try {
          return { permit: slots.track(key, admission.admit(agent.manifest, tenant)) };
        } catch (e) {
          if (!(e instanceof OverloadedError) || !slots.holds(key)) throw e;
          await slots.freed(key);
        }
      }
    } catch (e) {
      if (!(e instanceof OverloadedError)) throw e;
      const delay = Math.ceil(e.retryAfterMs / 1000);
      return {
        outcome: 'overloaded',
        code: 'overloaded',
        ...(await this.#defer(message, body, envelope, agent, delay)),
      };
    }
  }

  /** A retriable failure: deferred when a dependency is overloaded, else retried or, past max_retries, dead-lettered. */
  async #retryOrGiveUp(
    queue: string,
    message: Message<unknown>,
    body: QueueBody,
    envelope: Envelope,
    agent: Agent,
    result: Extract<Awaited<ReturnType<typeof invokeParsed>>, { outcome: 'retry' }>,
  ): Promise<SettlementRecord & Pick<SettledMessage, 'code'>> {
    if (result.code === 'overloaded') {
      // A dependency said it is overloaded: like admission, that is not the message's fault.
      const delay = Math.ceil((result.delayMs ?? 1_000) / 1000);
      return { code: 'overloaded', ...(await this.#defer(message, body, envelope, agent, delay)) };
    }
    const failures = (body.failed_attempts ?? 0) + message.attempts;
    if (failures > agent.manifest.retry.max_retries) {
      const targeted = { ...body, target: agent.manifest.id };
      const settled = await this.#deadLetter(queue, message, targeted, 'dead_lettered', result.error);
      return { code: 'dead_lettered', ...settled };
    }
    const delaySeconds = retryDelaySeconds(agent.manifest.retry, failures, result.delayMs);
    message.retry({ delaySeconds });
    return { code: result.code, settlement: 'retry', delaySeconds };
  }

  /**
   * Sends a fresh copy (same envelope, so the same id and idempotency key) with a delay and acks this
   * one. The copy's queue `attempts` starts again, so deferrals can never exhaust a retry budget; the
   * real failures so far travel in `failed_attempts`. If the send fails, the message is retried instead.
   */
  async #defer(
    message: Message<unknown>,
    body: QueueBody,
    envelope: Envelope,
    agent: Agent,
    delaySeconds: number,
  ): Promise<SettlementRecord> {
    const delay = Math.min(43_200, Math.max(1, delaySeconds));
    const copy: QueueBody = {
      ...body,
      target: agent.manifest.id,
      failed_attempts: (body.failed_attempts ?? 0) + Math.max(0, message.attempts - 1),
    };
    try {
      await this.#o.broker.queueFor(envelope.dst).send(copy, { contentType: 'json', delaySeconds: delay });
    } catch {
      message.retry({ delaySeconds: delay });
      return { settlement: 'retry', delaySeconds: delay };
    }
    message.ack();
    return { settlement: 'deferred', delaySeconds: delay };
  }

  /** Keeps the message in the dead letters, reports it, then acks; if the dead-letter write fails, retries. */
  async #deadLetter(
    queue: string,
    message: Message<unknown>,
    body: QueueBody | undefined,
    reason: ErrorCode,
    error: Error,
    publishError = true,
  ): Promise<SettlementRecord> {
    const env = (body?.envelope ?? {}) as Partial<Envelope>;
    const letter = DeadLetter.parse({
      v: 1,
      queue,
      ...(body?.target !== undefined && { target: body.target }),
      reason,
      error: error.message,
      attempts: message.attempts,
      dead_lettered_at: new Date(this.#o.deps.clock.now()).toISOString(),
      body: message.body,
      ...(typeof env.provider === 'string' && { provider: env.provider }),
      ...(typeof env.tenant === 'string' && { tenant: env.tenant }),
    });
    try {
      await this.#o.deadLetters.send(letter);
    } catch {
      message.retry({ delaySeconds: 5 });
      return { settlement: 'retry', delaySeconds: 5 };
    }
    if (publishError) {
      await publishErrorEvent(this.#o.deps, body?.target ?? this.#name, env, reason, error, false);
    }
    message.ack();
    return { settlement: 'dead_letter' };
  }
}

/**
 * The admission slots one `consume` call holds, per agent and tenant, so a message of the batch that
 * admission refuses can wait for its batch-mates instead of being deferred. Only this batch's own slots
 * are waited for: they free as its invocations finish, within this request, so a waiter always wakes.
 * Slots held by other invocations are not waited for (their ends are not this request's to await).
 */
class BatchSlots {
  readonly #held = new Map<string, number>();
  readonly #waiters = new Map<string, Array<() => void>>();

  holds(key: string): boolean {
    return (this.#held.get(key) ?? 0) > 0;
  }

  /** Resolves at the next release of one of this batch's slots for `key`. */
  freed(key: string): Promise<void> {
    return new Promise((resolve) => {
      const waiting = this.#waiters.get(key);
      if (waiting) waiting.push(resolve);
      else this.#waiters.set(key, [resolve]);
    });
  }

  /**
   * Counts `permit` as this batch's. Its release frees one slot, so it wakes one waiter for `key` (the
   * oldest), not all of them to race for it; the last release wakes every waiter, since no later release
   * of this batch will (each then admits again, or defers).
   */
  track(key: string, permit: Permit): Permit {
    this.#held.set(key, (this.#held.get(key) ?? 0) + 1);
    let released = false;
    return {
      release: (latencyMs?: number) => {
        permit.release(latencyMs);
        if (released) return;
        released = true;
        const left = (this.#held.get(key) ?? 1) - 1;
        if (left > 0) this.#held.set(key, left);
        else this.#held.delete(key);
        const waiting = this.#waiters.get(key);
        if (!waiting) return;
        if (left > 0 && waiting.length > 1) {
          waiting.shift()?.();
          return;
        }
        this.#waiters.delete(key);
        for (const wake of waiting) wake();
      },
    };
  }
}

/**
 * One agent's view of a delivery shared by several agents: acking it means that agent is done; a retry
 * it asks for is carried out by sending that agent a targeted copy with the delay.
 */
class SharedDelivery implements Message<unknown> {
  readonly #message: Message<unknown>;
  retryDelaySeconds: number | undefined;

  constructor(message: Message<unknown>) {
    this.#message = message;
  }

  get id(): string {
    return this.#message.id;
  }
  get timestamp(): Date {
    return this.#message.timestamp;
  }
  get body(): unknown {
    return this.#message.body;
  }
  get attempts(): number {
    return this.#message.attempts;
  }
  ack(): void {
    this.retryDelaySeconds = undefined;
  }
  retry(options?: QueueRetryOptions): void {
    this.retryDelaySeconds = Math.max(1, options?.delaySeconds ?? 1);
  }
}

/** The envelopes of a batched queue message as messages of their own, or undefined for a plain one. */
function batchMembers(message: Message<unknown>): BatchMember[] | undefined {
  const body = message.body as { envelopes?: unknown } | null;
  if (typeof body !== 'object' || body === null || !('envelopes' in body)) return undefined;
  const parsed = QueueBatchBody.safeParse(body);
  // A malformed batch falls through to the plain path, which dead-letters it whole as not a bus message.
  if (!parsed.success) return undefined;
  const failed = parsed.data.failed_attempts;
  return parsed.data.envelopes.map(
    (envelope, i) =>
      new BatchMember(message, i, {
        v: 1,
        envelope,
        ...(failed !== undefined && { failed_attempts: failed }),
      }),
  );
}

/**
 * One envelope of a batched queue message, settled as a message of its own: acking it means it is done;
 * a retry it asks for is carried out by its carrier (`#settleCarrier`) as a copy with that delay.
 * A dead letter keeps this envelope's own body, not its siblings'.
 */
class BatchMember implements Message<unknown> {
  readonly #carrier: Message<unknown>;
  readonly #index: number;
  readonly body: QueueBody;
  retryDelaySeconds: number | undefined;

  constructor(carrier: Message<unknown>, index: number, body: QueueBody) {
    this.#carrier = carrier;
    this.#index = index;
    this.body = body;
  }

  get id(): string {
    return `${this.#carrier.id}#${this.#index}`;
  }
  get timestamp(): Date {
    return this.#carrier.timestamp;
  }
  get attempts(): number {
    return this.#carrier.attempts;
  }
  ack(): void {
    this.retryDelaySeconds = undefined;
  }
  retry(options?: QueueRetryOptions): void {
    this.retryDelaySeconds = Math.max(1, options?.delaySeconds ?? 1);
  }
}
