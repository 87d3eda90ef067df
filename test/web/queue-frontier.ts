/**
 * A queue double for the platform crawl in one process: at-least-once delivery with delays, and
 * the faults a real queue and a real Worker produce (a message delivered twice at once, a worker
 * killed after its writes and before its report, a send lost, a Durable Object evicted). The crawl
 * itself is the platform's: `frontierStep` over the crawl port's job and host cores.
 */
import type { Outgoing } from '@promethean/functions/agents/web-crawler/crawl-job-core';
import {
  type FrontierPorts,
  frontierStep,
  type InlineWaits,
} from '@promethean/functions/agents/web-crawler/frontier-step';
import type { MemoryCrawl } from '@promethean/functions/agents/web-crawler/memory-crawl';

export interface QueueFaults {
  /** Every n-th delivery is delivered a second time, at once. */
  duplicate_every?: number;
  /** Every n-th report fails: the step's writes happened, its report did not (a killed worker). */
  crash_every?: number;
  /** Every n-th send is lost. */
  lose_every?: number;
  /** Every n-th delivery, the job's in-memory state is dropped and reloaded from its store. */
  evict_every?: number;
}

export interface QueueRunResult {
  deliveries: number;
  crashes: number;
  lost: number;
  duplicates: number;
  evictions: number;
  sweeps: number;
  resent: number;
}

interface Message {
  job_id: string;
  key: string;
  item: Outgoing['item'];
  visible_at: number;
}

export class QueueFrontier {
  readonly #queue: Message[] = [];
  readonly faults: QueueFaults;
  readonly result: QueueRunResult = {
    deliveries: 0,
    crashes: 0,
    lost: 0,
    duplicates: 0,
    evictions: 0,
    sweeps: 0,
    resent: 0,
  };
  /** The URL of every item the job sent (lost sends too). */
  readonly sent: string[] = [];
  #sends = 0;
  #reports = 0;

  constructor(faults: QueueFaults = {}) {
    this.faults = faults;
  }

  /** The crawl port's `send`. */
  send = (job_id: string, items: Outgoing[]): void => {
    for (const o of items) {
      this.#sends++;
      this.sent.push(o.item.url);
      if (this.faults.lose_every && this.#sends % this.faults.lose_every === 0) {
        this.result.lost++;
        continue;
      }
      this.#queue.push({ job_id, key: o.key, item: o.item, visible_at: 0 });
    }
  };

  /** Runs workers until the job is done; an emptied queue with open items triggers the job's sweep. */
  async run(
    crawl: MemoryCrawl,
    ports: Omit<FrontierPorts, 'crawl'>,
    job_id: string,
    workers: number,
    inline?: Omit<InlineWaits, 'sleep'>,
  ) {
    let inFlight = 0;
    let holder = 0;
    const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
    const reportingPort: FrontierPorts = {
      ...ports,
      crawl: {
        claim: (j, k) => crawl.claim(j, k),
        complete: async (j, k, report) => {
          this.#reports++;
          if (this.faults.crash_every && this.#reports % this.faults.crash_every === 0) {
            this.result.crashes++;
            throw new Error('worker killed before its report');
          }
          return crawl.complete(j, k, report);
        },
        touch: (j, k) => crawl.touch(j, k),
        robots: (j, o, h) => crawl.robots(j, o, h),
        permit: (j, u, h) => crawl.permit(j, u, h),
        release: (j, u, h, cut) => crawl.release(j, u, h, cut),
        refusal: (u) => crawl.refusal(u),
        fetch: (j, r) => crawl.fetch(j, r),
        passed: (j, c, p) => crawl.passed(j, c, p),
      },
    };
    const worker = async (): Promise<void> => {
      for (;;) {
        const now = Date.now();
        const index = this.#queue.findIndex((m) => m.visible_at <= now);
        if (index === -1) {
          if (this.#queue.length === 0 && inFlight === 0) {
            if (crawl.job(job_id).state !== 'running') return;
            // Nothing in the queue but open items: what the job's alarm finds after a lost message.
            this.result.sweeps++;
            const resent = crawl.job(job_id).sweep(0);
            this.result.resent += resent.length;
            if (resent.length === 0) return;
            this.send(job_id, resent);
            continue;
          }
          await sleep(5);
          continue;
        }
        const [message] = this.#queue.splice(index, 1) as [Message];
        this.result.deliveries++;
        const n = this.result.deliveries;
        if (this.faults.evict_every && n % this.faults.evict_every === 0) {
          crawl.evict();
          this.result.evictions++;
        }
        const copies = this.faults.duplicate_every && n % this.faults.duplicate_every === 0 ? 2 : 1;
        if (copies === 2) this.result.duplicates++;
        inFlight += copies;
        await Promise.all(
          Array.from({ length: copies }, async () => {
            try {
              const outcome = await frontierStep(
                message,
                reportingPort,
                `h${holder++}`,
                Date.now,
                inline && { ...inline, sleep },
              );
              if (outcome.kind === 'wait')
                this.#queue.push({ ...message, visible_at: Date.now() + outcome.wait_ms });
            } catch {
              // A killed worker's message is not redelivered here: the job's sweep must find the item.
            } finally {
              inFlight--;
            }
          }),
        );
      }
    };
    await Promise.all(Array.from({ length: workers }, () => worker()));
    return this.result;
  }
}
