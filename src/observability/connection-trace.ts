import { connectivityState, type Client } from '@grpc/grpc-js';
import type { Tracer } from './tracer.js';

/**
 * Traces the channel's connectivity changes (tracer `connection`), e.g.
 * `pantry.example.com:443 CONNECTING -> READY`. Returns a function that stops it.
 *
 * @example
 * const stop = watchConnectivity(grpcClient, tracer, 'localhost:8443'); … stop();
 */
export function watchConnectivity(client: Client, tracer: Tracer, target: string): () => void {
  const channel = client.getChannel();
  let stopped = false;
  const watch = (state: connectivityState) => {
    // A deadline far away; the watch ends with the channel's close (SHUTDOWN).
    channel.watchConnectivityState(state, Date.now() + 3_600_000, (err) => {
      if (stopped) return;
      const next = channel.getConnectivityState(false);
      if (!err) tracer.debug('connection', `${target} ${connectivityState[state]} -> ${connectivityState[next]}`);
      if (next !== connectivityState.SHUTDOWN) watch(next);
    });
  };
  watch(channel.getConnectivityState(false));
  return () => {
    stopped = true;
  };
}
