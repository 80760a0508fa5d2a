import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { sleep } from '../../src/retry/sleep.js';

// sleep(): the retry loop's backoff timer, also in browsers.

describe('sleep', () => {
  it('resolves after its time and leaves no abort listener behind', async () => {
    const controller = new AbortController();
    const t0 = performance.now();
    await sleep(30, controller.signal);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects at once with an AbortError for a signal already aborted', async () => {
    const err = await sleep(10_000, AbortSignal.abort()).catch((e) => e);
    expect([err.name, err.message]).toEqual(['AbortError', 'The operation was aborted']);
  });

  it('rejects when the signal aborts mid-way, and removes its listener', async () => {
    const controller = new AbortController();
    const pending = sleep(10_000, controller.signal).catch((e) => e);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort();
    const err = await pending;
    expect([err.name, err.message]).toEqual(['AbortError', 'The operation was aborted']);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
