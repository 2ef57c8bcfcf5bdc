import { AsyncLocalStorage } from 'node:async_hooks';

const pinned = new AsyncLocalStorage<Date>();

/**
 * The service's clock: the system clock when deployed. The local stack can pin it for one request
 * (the `x-optgate-now` header, local only) so tests can watch data expire without waiting months.
 */
export function currentTime(): Date {
  const at = pinned.getStore();
  return at ? new Date(at.getTime()) : new Date();
}

/** Runs `fn` with currentTime() pinned to `at` for everything it awaits. */
export function withPinnedTime<T>(at: Date, fn: () => Promise<T>): Promise<T> {
  return pinned.run(at, fn);
}
