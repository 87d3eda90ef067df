/**
 * CrawlHost: one Durable Object per origin (shared by every tenant and job, so a host sees one
 * polite crawler), owning the origin's robots.txt cache and its politeness gate: one request in
 * flight (leased, so a dead worker's slot comes back), the crawl-delay between starts, a token bucket.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Permit, RobotsReady } from '@promethean/shared/web/crawl-port';
import { workerPageFetcher } from './crawl-fetcher.ts';
import { HostPolicyCore, type HostPolicySettings, type HostRecord, type HostRecords } from './host-policy.ts';

class KvHostRecords implements HostRecords {
  constructor(readonly kv: SyncKvStorage) {}
  get(origin: string): HostRecord | undefined {
    return this.kv.get<HostRecord>(`h:${origin}`);
  }
  set(origin: string, record: HostRecord): void {
    this.kv.put(`h:${origin}`, record);
  }
}

export class CrawlHost extends DurableObject<FunctionsEnv> {
  #core: HostPolicyCore | undefined;
  #settingsKey = '';

  /** The policy for the job's settings; rebuilt (state kept in storage) when another job's differ. */
  #policy(settings: HostPolicySettings): HostPolicyCore {
    const key = JSON.stringify(settings);
    if (!this.#core || key !== this.#settingsKey) {
      this.#core = new HostPolicyCore(
        new KvHostRecords(this.ctx.storage.kv),
        workerPageFetcher(this.env, settings.user_agent),
        settings,
        () => Date.now(),
      );
      this.#settingsKey = key;
    }
    return this.#core;
  }

  robots(origin: string, holder: string, settings: HostPolicySettings): Promise<RobotsReady> {
    return this.#policy(settings).robots(origin, holder);
  }

  permit(url: string, holder: string, settings: HostPolicySettings): Promise<Permit> {
    return this.#policy(settings).permit(url, holder);
  }

  release(url: string, holder: string, settings: HostPolicySettings): Promise<void> {
    return this.#policy(settings).release(url, holder);
  }
}
