/** Bounds how long anything may be waited for: the work, or a timeout error, whichever comes first. */
import { type Scheduler, SystemScheduler } from '../broker/scheduler.ts';

const systemScheduler = new SystemScheduler();

/**
 * Resolves or rejects with `work`, or rejects with `onTimeout()` after `ms` (on `scheduler`'s time:
 * real timers by default, a `FakeClock` in tests). The timer is cancelled as soon as `work` settles.
 */
export async function within<T>(
  work: Promise<T>,
  ms: number,
  onTimeout: () => Error,
  scheduler: Scheduler = systemScheduler,
): Promise<T> {
  let handle: ReturnType<Scheduler['schedule']> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    handle = scheduler.schedule(ms, () => reject(onTimeout()));
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    if (handle) scheduler.cancel(handle);
  }
}
