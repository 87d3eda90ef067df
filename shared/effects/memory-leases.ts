/** In-memory counting leases for tests and golden runs, on an injectable clock. */
import type { Clock } from '../agent/envelope-factory.ts';
import type { LeaseGrant, LeasePort } from './effect-ports.ts';
import { decideLease, type LeaseHolder } from './lease-rule.ts';

export class MemoryLeases implements LeasePort {
  readonly #clock: Clock;
  readonly #leases = new Map<string, LeaseHolder[]>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  async acquire(name: string, holder: string, limit: number, ttlMs: number): Promise<LeaseGrant> {
    const decision = decideLease(this.#leases.get(name) ?? [], holder, limit, ttlMs, this.#clock.now());
    this.#leases.set(name, decision.holders);
    return decision.grant;
  }

  async release(name: string, holder: string): Promise<void> {
    this.#leases.set(
      name,
      (this.#leases.get(name) ?? []).filter((h) => h.holder !== holder),
    );
  }

  /** The current holders (tests look at it). */
  holders(name: string): string[] {
    return (this.#leases.get(name) ?? [])
      .filter((h) => h.expires_at > this.#clock.now())
      .map((h) => h.holder);
  }
}
