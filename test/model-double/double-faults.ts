/** Scriptable faults for the model double: error statuses (with retry-after) and slow answers, per path and count. */
import { z } from 'zod';

export const DoubleFault = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('status'),
      status: z.number().int().min(400).max(599),
      /** Sent as `retry-after` (seconds). */
      retry_after_s: z.number().nonnegative().optional(),
      /** Sent as `retry-after-ms`. */
      retry_after_ms: z.number().nonnegative().optional(),
      path: z.string().startsWith('/v1/').optional(),
      times: z.number().int().positive().default(1),
    })
    .strict(),
  z
    .object({
      kind: z.literal('slow'),
      delay_ms: z.number().int().positive().max(600_000),
      path: z.string().startsWith('/v1/').optional(),
      times: z.number().int().positive().default(1),
    })
    .strict(),
]);
export type DoubleFault = z.infer<typeof DoubleFault>;

/** Faults are consumed in the order added; each applies to `times` matching requests. */
export class FaultScript {
  readonly #faults: DoubleFault[] = [];

  add(fault: z.input<typeof DoubleFault>): void {
    this.#faults.push(DoubleFault.parse(fault));
  }

  clear(): void {
    this.#faults.length = 0;
  }

  pending(): readonly DoubleFault[] {
    return this.#faults.map((f) => ({ ...f }));
  }

  /** The fault for a request to `path`, consuming one of its uses. */
  take(path: string): DoubleFault | undefined {
    const index = this.#faults.findIndex((f) => f.path === undefined || f.path === path);
    if (index < 0) return undefined;
    const fault = this.#faults[index] as DoubleFault;
    if (fault.times <= 1) this.#faults.splice(index, 1);
    else this.#faults[index] = { ...fault, times: fault.times - 1 };
    return { ...fault, times: 1 };
  }
}
