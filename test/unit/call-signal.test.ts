import { describe, expect, it } from 'vitest';
import { callSignal } from '../../src/pipeline/signals.js';

describe('callSignal', () => {
  it.each(['own', 'closing'] as const)('aborts with the reason of the %s signal', (which) => {
    const own = new AbortController();
    const closing = new AbortController();
    const { signal } = callSignal(own.signal, closing.signal);
    (which === 'own' ? own : closing).abort(which);
    expect(signal!.aborted).toBe(true);
    expect(signal!.reason).toBe(which);
  });

  it('starts aborted when either already is', () => {
    const closing = new AbortController();
    closing.abort('closed');
    expect(callSignal(new AbortController().signal, closing.signal).signal!.reason).toBe('closed');
  });

  it('is the one signal given, or none', () => {
    const closing = new AbortController();
    expect(callSignal(undefined, closing.signal).signal).toBe(closing.signal);
    expect(callSignal(undefined, undefined).signal).toBeUndefined();
  });

  it('no longer follows either signal once released', () => {
    const own = new AbortController();
    const closing = new AbortController();
    const { signal, release } = callSignal(own.signal, closing.signal);
    release();
    own.abort();
    closing.abort();
    expect(signal!.aborted).toBe(false);
  });
});
