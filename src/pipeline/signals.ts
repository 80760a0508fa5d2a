const noop = () => {};

/**
 * The signal of one call: aborts when the caller's signal or the client's `closing` signal
 * does, with that signal's reason. Made by hand rather than with `AbortSignal.any`, whose
 * dependent signals a long-lived caller signal keeps alive on Node 20 (heap grows with every
 * call); `release()` detaches it when the call ends.
 *
 * @example
 * const { signal, release } = callSignal(options.signal, closing);
 * try { await send(signal); } finally { release(); }
 */
export function callSignal(
  own: AbortSignal | undefined,
  closing: AbortSignal | undefined,
): { signal: AbortSignal | undefined; release: () => void } {
  if (!own || !closing) return { signal: own ?? closing, release: noop };
  const controller = new AbortController();
  const first = own.aborted ? own : closing.aborted ? closing : undefined;
  if (first) {
    controller.abort(first.reason);
    return { signal: controller.signal, release: noop };
  }
  const release = () => {
    own.removeEventListener('abort', fromOwn);
    closing.removeEventListener('abort', fromClosing);
  };
  const fromOwn = () => {
    release();
    controller.abort(own.reason);
  };
  const fromClosing = () => {
    release();
    controller.abort(closing.reason);
  };
  own.addEventListener('abort', fromOwn, { once: true });
  closing.addEventListener('abort', fromClosing, { once: true });
  return { signal: controller.signal, release };
}

/**
 * Runs `fn` when `signal` aborts — at once when it already has — and returns the function that
 * stops listening. The one place the client wires an abort to an action (the transport cancels
 * its grpc-js call with it).
 *
 * @example
 * const stop = onAbort(req.signal, () => call.cancel());
 * call.on('status', stop);
 */
export function onAbort(signal: AbortSignal | undefined, fn: () => void): () => void {
  if (!signal) return noop;
  if (signal.aborted) {
    fn();
    return noop;
  }
  signal.addEventListener('abort', fn, { once: true });
  return () => signal.removeEventListener('abort', fn);
}
