import { experimental, type ChannelOptions, type Metadata } from '@grpc/grpc-js';
import { HEDGE_ID_KEY } from '../pipeline/retry-stage.js';

/** The grpc-js load-balancing policy name of {@link registerHedgeAwareBalancer}. */
export const HEDGE_AWARE_POLICY = 'pantry_hedge_aware';

/** Calls remembered at once; the oldest are forgotten first (a hedged call lasts no longer than its deadline). */
const MAX_CALLS = 10_000;
/** Picks tried to find a backend the call has not used yet. */
const MAX_REPICKS = 8;

/**
 * The backends each hedged call has been sent to, by the call's hedge id: insertion-ordered, so
 * the oldest call is the first key.
 */
const tried = new Map<string, Set<string>>();

class HedgeAwareConfig implements experimental.TypedLoadBalancingConfig {
  constructor(readonly child: experimental.TypedLoadBalancingConfig) {}
  getLoadBalancerName(): string {
    return HEDGE_AWARE_POLICY;
  }
  toJsonObject(): object {
    return { [HEDGE_AWARE_POLICY]: { childPolicy: [this.child.toJsonObject()] } };
  }
  static createFromJson(obj: { childPolicy?: object[] }): HedgeAwareConfig {
    const child = experimental.selectLbConfigFromList(
      (obj.childPolicy ?? [{ round_robin: {} }]) as Parameters<typeof experimental.selectLbConfigFromList>[0],
    );
    if (!child) throw new Error(`${HEDGE_AWARE_POLICY}: no known childPolicy`);
    return new HedgeAwareConfig(child);
  }
}

/**
 * Wraps the child's picker: a hedged attempt goes to a backend its call has not used yet, when the
 * child offers one within a few picks; calls without a hedge id pick exactly as the child would.
 *
 * @example
 * helper.updateState(state, new HedgeAwarePicker(childPicker), error);
 */
export class HedgeAwarePicker implements experimental.Picker {
  constructor(private readonly child: experimental.Picker) {}
  pick(args: experimental.PickArgs): ReturnType<experimental.Picker['pick']> {
    const id = hedgeId(args.metadata);
    if (id === undefined) return this.child.pick(args);
    const used = tried.get(id);
    let result = this.child.pick(args);
    for (let i = 0; used && i < MAX_REPICKS && isUsed(result, used); i++) result = this.child.pick(args);
    if (result.pickResultType === experimental.PickResultType.COMPLETE && result.subchannel) {
      args.metadata.remove(HEDGE_ID_KEY); // the id is the balancer's business, not the server's
      remember(id, result.subchannel.getAddress());
    }
    return result;
  }
}

class HedgeAwareBalancer implements experimental.LoadBalancer {
  private readonly child: experimental.ChildLoadBalancerHandler;
  constructor(helper: experimental.ChannelControlHelper) {
    this.child = new experimental.ChildLoadBalancerHandler(
      experimental.createChildChannelControlHelper(helper, {
        updateState: (state, picker, error) => helper.updateState(state, new HedgeAwarePicker(picker), error),
      }),
    );
  }
  updateAddressList(
    endpoints: Parameters<experimental.LoadBalancer['updateAddressList']>[0],
    config: experimental.TypedLoadBalancingConfig,
    options: ChannelOptions,
    note: string,
  ): boolean {
    if (!(config instanceof HedgeAwareConfig)) return false;
    return this.child.updateAddressList(endpoints, config.child, options, note);
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
    return HEDGE_AWARE_POLICY;
  }
}

function hedgeId(metadata: Metadata): string | undefined {
  const v = metadata.get(HEDGE_ID_KEY)[0];
  return v === undefined ? undefined : String(v);
}

function isUsed(result: ReturnType<experimental.Picker['pick']>, used: Set<string>): boolean {
  return (
    result.pickResultType === experimental.PickResultType.COMPLETE &&
    result.subchannel !== null &&
    used.has(result.subchannel.getAddress())
  );
}

function remember(id: string, address: string): void {
  let used = tried.get(id);
  if (!used) {
    if (tried.size >= MAX_CALLS) tried.delete(tried.keys().next().value as string);
    used = new Set();
    tried.set(id, used);
  }
  used.add(address);
}

let registered = false;

/**
 * Registers the grpc-js load-balancing policy `pantry_hedge_aware` (once per process): it runs a
 * child policy (`round_robin` by default) and sends each hedged attempt of a call to a backend
 * that call has not been sent to yet, when the child offers one within a few picks. Plain
 * round_robin would put a hedge on the slow backend again whenever another call picked in between.
 * Calls without hedging pick exactly as the child would.
 *
 * @example
 * registerHedgeAwareBalancer();
 * const config = { loadBalancingConfig: [{ pantry_hedge_aware: { childPolicy: [{ round_robin: {} }] } }] };
 * new Client(target, credentials, { 'grpc.service_config': JSON.stringify(config) });
 */
export function registerHedgeAwareBalancer(): void {
  if (registered) return;
  registered = true;
  experimental.registerLoadBalancerType(HEDGE_AWARE_POLICY, HedgeAwareBalancer, HedgeAwareConfig);
}
