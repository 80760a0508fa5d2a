/**
 * `transport/` owns the wire: the grpc-js channel (its one construction, with the SDK's
 * channel options) and one attempt over it (encode, send, decode, a grpc-js error turned into a
 * `PantryError`). It may import `errors/`, `schema/` and the pipeline's types and signals; never
 * `client/`, `doctor/` or `cli/`.
 */
import { Client, type ChannelCredentials, type ChannelOptions } from '@grpc/grpc-js';
import { HEDGE_AWARE_POLICY, registerHedgeAwareBalancer } from './hedge-aware-balancer.js';
import { registerXds } from './xds.js';

/**
 * How a channel spreads calls over the addresses its target resolves to: grpc-js's default
 * `pick_first` (one connection), or `round_robin` over every address (each hedge of a call to a
 * backend it has not used yet).
 *
 * @example
 * const address = 'ipv4:10.0.0.1:443,10.0.0.2:443';
 * createClient({ address, serverName: 'pantry.internal', loadBalancing: 'round_robin' });
 */
export type LoadBalancing = 'pick_first' | 'round_robin';

/**
 * Opens the grpc-js channel of a client — the one place one is made (createClient and doctor).
 * The SDK's defaults (fast reconnects, keepalive), the server name, then `channelOptions`, and
 * last what is not negotiable: grpc-js's own retries off.
 *
 * @example
 * const channel = createChannel('pantry.example.com:443', credentials, { serverName: 'pantry.internal' });
 */
export function createChannel(
  target: string,
  credentials: ChannelCredentials,
  options: {
    serverName?: string;
    channelOptions?: Readonly<Partial<ChannelOptions>>;
    loadBalancing?: LoadBalancing;
    /** With round_robin: the child policy entry instead of `{ round_robin: {} }` (see `tracedRoundRobin`). */
    loadBalancingConfig?: object;
  } = {},
): Client {
  const { serverName, channelOptions, loadBalancing, loadBalancingConfig } = options;
  // grpc-js-xds reads its bootstrap from process.env itself, so that is where it must be.
  if (target.startsWith('xds:')) registerXds(process.env);
  if (loadBalancing === 'round_robin') registerHedgeAwareBalancer();
  return new Client(target, credentials, {
    // Retries are ours (p-retry, throttled); never let a DNS-provided service config add grpc-js's on top.
    'grpc.service_config_disable_resolution': 1,
    // Reconnect within a second of a proxy coming back (grpc-js backs off up to 120 s by default);
    // a refused connect to a proxy that is down costs next to nothing.
    'grpc.initial_reconnect_backoff_ms': 250,
    'grpc.max_reconnect_backoff_ms': 1000,
    // A ping every 30 s, idle or not, finds a dead connection (a proxy gone without a FIN) within
    // 40 s. Envoy accepts it; a grpc-go server must allow it (EnforcementPolicy MinTime ≤ 30 s,
    // PermitWithoutStream: true), as the pantry server does.
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.keepalive_permit_without_calls': 1,
    // round_robin: a subchannel per resolved address, calls in turn over the READY ones. A lost
    // connection makes grpc-js resolve the name again; the DNS resolver waits at least this long
    // between resolutions (grpc-js's default is 30 s: new pods stay unseen that long).
    // (Each hedge of a call goes to a backend the call has not used yet: the hedge-aware picker.)
    ...(loadBalancing === 'round_robin'
      ? {
          'grpc.service_config': JSON.stringify({
            loadBalancingConfig: [
              { [HEDGE_AWARE_POLICY]: { childPolicy: [loadBalancingConfig ?? { round_robin: {} }] } },
            ],
          }),
          'grpc.dns_min_time_between_resolutions_ms': 1_000,
        }
      : {}),
    ...(serverName ? { 'grpc.ssl_target_name_override': serverName, 'grpc.default_authority': serverName } : {}),
    ...channelOptions,
    // The SDK owns retries, and this is not negotiable per client: grpc-js would otherwise re-send a
    // call on its own when a proxy answers RST_STREAM REFUSED_STREAM (transparent retry), also after
    // the server applied it, outside the retry policy and the attempt count. With 0, grpc-js makes
    // exactly one attempt per call (no transparent retry, no service-config retry or hedging).
    'grpc.enable_retries': 0,
  });
}
