import {
  connectivityState,
  experimental,
  type ChannelOptions,
  type StatusObject,
  type experimental as Experimental,
} from '@grpc/grpc-js';

/**
 * The grpc-js load-balancing policy name: `round_robin` with every backend's connection traced.
 *
 * @example
 * JSON.stringify({ loadBalancingConfig: [{ [TRACED_ROUND_ROBIN]: { id: 'c1' } }] })
 */
export const TRACED_ROUND_ROBIN = 'pantry_traced_round_robin';

type Trace = (message: string) => void;
/** The trace function of each channel that uses the policy, by the id in its service config. */
const traces = new Map<string, Trace>();
let nextId = 0;

/**
 * grpc-js's `round_robin`, with each backend's connection state traced (tracer `connection`):
 * `backend 127.0.1.2:8443 CONNECTING -> READY`, the addresses each resolution gave and each
 * re-resolution a lost connection asked for. grpc-js picks a policy by name from the service
 * config, so a channel registers its trace function here and names it in its config. Returns the
 * `loadBalancingConfig` entry and a function that unregisters the trace (call it on close).
 *
 * @example
 * const { config, release } = tracedRoundRobin((m) => tracer.debug('connection', m));
 * new Client(target, creds, { 'grpc.service_config': JSON.stringify({ loadBalancingConfig: [config] }) });
 */
export function tracedRoundRobin(trace: Trace): { config: object; release: () => void } {
  register();
  const id = `c${++nextId}`;
  traces.set(id, trace);
  return { config: { [TRACED_ROUND_ROBIN]: { id } }, release: () => traces.delete(id) };
}

class Config implements Experimental.TypedLoadBalancingConfig {
  constructor(readonly id: string) {}
  getLoadBalancerName(): string {
    return TRACED_ROUND_ROBIN;
  }
  toJsonObject(): object {
    return { [TRACED_ROUND_ROBIN]: { id: this.id } };
  }
  static createFromJson(obj: { id?: unknown }): Config {
    if (typeof obj?.id !== 'string') throw new Error(`${TRACED_ROUND_ROBIN} config needs an id`);
    return new Config(obj.id);
  }
}

class TracedRoundRobin implements Experimental.LoadBalancer {
  private readonly child: Experimental.ChildLoadBalancerHandler;
  private trace: Trace = () => {};

  constructor(helper: Experimental.ChannelControlHelper) {
    this.child = new experimental.ChildLoadBalancerHandler(
      experimental.createChildChannelControlHelper(helper, {
        createSubchannel: (address, args) => {
          const subchannel = helper.createSubchannel(address, args);
          subchannel.addConnectivityStateListener((sc, previous, next, _keepalive, error) =>
            this.trace(
              `backend ${sc.getAddress()} ${connectivityState[previous]} -> ${connectivityState[next]}${error ? ` (${error})` : ''}`,
            ),
          );
          return subchannel;
        },
        requestReresolution: () => {
          this.trace('a backend connection was lost: resolving the target again');
          helper.requestReresolution();
        },
      }),
    );
  }

  updateAddressList(
    endpoints: { ok: true; value: Experimental.Endpoint[] } | { ok: false; error: StatusObject },
    config: Experimental.TypedLoadBalancingConfig,
    options: ChannelOptions,
    note: string,
  ): boolean {
    this.trace = traces.get((config as Config).id) ?? (() => {});
    if (endpoints.ok) {
      const addresses = endpoints.value.flatMap((e) => e.addresses.map(experimental.subchannelAddressToString));
      this.trace(`resolved ${addresses.join(', ') || 'no address'}`);
    } else this.trace(`resolution failed: ${endpoints.error.details}`);
    const roundRobin = experimental.parseLoadBalancingConfig({ round_robin: {} });
    return this.child.updateAddressList(endpoints, roundRobin, options, note);
  }
  exitIdle(): void {
    this.child.exitIdle();
  }
  resetBackoff(): void {
    this.child.resetBackoff();
  }
  destroy(): void {
    this.child.destroy();
  }
  getTypeName(): string {
    return TRACED_ROUND_ROBIN;
  }
}

let registered = false;
function register(): void {
  if (registered || experimental.isLoadBalancerNameRegistered(TRACED_ROUND_ROBIN)) return;
  registered = true;
  experimental.registerLoadBalancerType(TRACED_ROUND_ROBIN, TracedRoundRobin, Config);
}
