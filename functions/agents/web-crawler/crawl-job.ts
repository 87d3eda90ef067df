/**
 * CrawlJob: one Durable Object per provider+tenant+job, owning the job's state: config, ledger,
 * frontier rows (the checkpoint), the job-wide QPS bucket and the pause/cancel state. Admitted items
 * are written before their messages are sent; the alarm sweeps rows no message has touched for
 * `SWEEP_STALE_MS` and sends them again, so a lost send or a dead worker delays an item, never loses it.
 */
import { DurableObject } from 'cloudflare:workers';
import { CrawlFrontier } from '@promethean/schemas/jobs/web-crawl';
import { createEnvelope, randomIds, systemClock } from '@promethean/shared/agent/envelope-factory';
import { componentTelemetry } from '@promethean/shared/agent/telemetry';
import { queueBusFor } from '@promethean/shared/broker/bus-for';
import type { QueueBroker } from '@promethean/shared/broker/queue-broker';
import { fnv1a } from '@promethean/shared/web/content-hash';
import type {
  CompleteAnswer,
  FrontierClaim,
  PassCounter,
  StepReport,
} from '@promethean/shared/web/crawl-port';
import { CrawlConfigurationError, readCrawlEnv } from './crawl-env.ts';
import { CrawlJobCore, type JobStatus, type JobStore, type Outgoing } from './crawl-job-core.ts';

/** How often a running job's alarm sweeps, and how quiet a row must be to be sent again. */
export const SWEEP_EVERY_MS = 30_000;
export const SWEEP_STALE_MS = 120_000;

class KvJobStore implements JobStore {
  constructor(readonly kv: SyncKvStorage) {}
  get(key: string): unknown {
    return this.kv.get(key);
  }
  put(key: string, value: unknown): void {
    this.kv.put(key, value);
  }
  list(prefix: string): Iterable<[string, unknown]> {
    return this.kv.list({ prefix });
  }
}

export class CrawlJob extends DurableObject<FunctionsEnv> {
  readonly #core: CrawlJobCore;
  /** Built on first send: the object only ever publishes frontier items (no agent runtime needed). */
  #broker: QueueBroker | undefined;

  /** A bad crawl variable: start and complete throw it (the admin route answers it; items are retried). */
  readonly #configError: CrawlConfigurationError | undefined;

  constructor(ctx: DurableObjectState, env: FunctionsEnv) {
    super(ctx, env);
    let lanes: number | null = null;
    try {
      lanes = readCrawlEnv(env).hostLanes ?? null;
    } catch (e) {
      if (!(e instanceof CrawlConfigurationError)) throw e;
      this.#configError = e;
    }
    this.#core = new CrawlJobCore(new KvJobStore(ctx.storage.kv), () => Date.now(), { lane_width: lanes });
  }

  async start(config: unknown): Promise<JobStatus | undefined> {
    if (this.#configError) throw this.#configError;
    const out = this.#core.start(config);
    await this.#send(out);
    await this.#arm();
    return this.#core.status();
  }

  claim(key: string): FrontierClaim {
    return this.#core.claim(key);
  }

  async complete(key: string, report: StepReport): Promise<CompleteAnswer> {
    if (this.#configError) throw this.#configError;
    const { answer, send } = this.#core.complete(key, report);
    await this.#send(send);
    return answer;
  }

  passed(counters: PassCounter[], page_id: string): void {
    this.#core.passed(counters, page_id);
  }

  touch(key: string): void {
    this.#core.touch(key);
  }

  take(): number {
    return this.#core.take();
  }

  refund(): void {
    this.#core.refund();
  }

  status(): JobStatus | undefined {
    return this.#core.status();
  }

  pause(): JobStatus | undefined {
    this.#core.pause();
    return this.#core.status();
  }

  async resume(): Promise<JobStatus | undefined> {
    await this.#send(this.#core.resume());
    await this.#arm();
    return this.#core.status();
  }

  cancel(): JobStatus | undefined {
    this.#core.cancel();
    return this.#core.status();
  }

  override async alarm(): Promise<void> {
    await this.#send(this.#core.sweep(SWEEP_STALE_MS));
    await this.#arm();
  }

  async #arm(): Promise<void> {
    if (this.#core.state === 'running') await this.ctx.storage.setAlarm(Date.now() + SWEEP_EVERY_MS);
  }

  /** Sends after the rows are stored; a send that fails is the sweep's to repeat. */
  async #send(items: Outgoing[]): Promise<void> {
    const status = this.#core.status();
    if (!status || items.length === 0) return;
    this.#broker ??= queueBusFor(this.env, {}, 'the CrawlJob object');
    const broker = this.#broker;
    const envelopes = items.map((o) =>
      createEnvelope(
        CrawlFrontier,
        { job_id: status.job_id, key: o.key, item: o.item },
        {
          src: 'crawl-job',
          provider: status.provider,
          tenant: status.tenant,
          // A resend is a new message: the send count is part of its id.
          id: `crawl:${status.job_id}:${fnv1a(o.key)}:${o.sends}`,
          clock: systemClock,
          ids: randomIds,
        },
      ),
    );
    try {
      // One queue operation for a page's new links instead of one per link.
      await broker.publishMany(envelopes);
    } catch (e) {
      componentTelemetry('crawl-job', status).warn('crawl frontier send failed; the sweep resends', {
        job_id: status.job_id,
        items: items.length,
        error: String(e),
      });
    }
  }
}
