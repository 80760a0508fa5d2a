/**
 * Waits `ms` milliseconds; rejects with an `AbortError` as soon
 * as `signal` aborts. Node's `timers/promises` `setTimeout` does the same; this one also runs in
 * browsers.
 *
 * @example
 * await sleep(120, req.signal);
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const aborted = () => reject(new DOMException('The operation was aborted', 'AbortError'));
    if (signal?.aborted) return aborted();
    const stop = () => {
      clearTimeout(timer);
      aborted();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', stop);
      resolve();
    }, ms);
    signal?.addEventListener('abort', stop, { once: true });
  });
}
