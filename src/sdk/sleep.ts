/**
 * The SDK's wait between retries, shared with the CLI (its own module, so that the CLI's npm
 * package can carry a copy without the HTTP client's classes).
 *
 * @module
 */

/** Sleeps `ms`, or rejects with APIUserAbortError when `signal` aborts. */
export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
