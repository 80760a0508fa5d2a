import { experimental, Metadata } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { HEDGE_ID_KEY } from '../../src/pipeline/retry-stage.js';
import { HedgeAwarePicker } from '../../src/transport/hedge-aware-balancer.js';

// The picker of loadBalancing: 'round_robin' over a fake round-robin child of two backends.

function roundRobin(addresses: string[]) {
  let next = 0;
  return {
    pick: () => {
      const address = addresses[next++ % addresses.length];
      return {
        pickResultType: experimental.PickResultType.COMPLETE,
        subchannel: { getAddress: () => address },
        status: null,
        onCallStarted: null,
        onCallEnded: null,
      };
    },
  } as unknown as experimental.Picker;
}

const args = (id?: string) => {
  const metadata = new Metadata();
  if (id) metadata.set(HEDGE_ID_KEY, id);
  return { metadata, extraPickInfo: {} };
};
const address = (r: ReturnType<experimental.Picker['pick']>) =>
  (r as { subchannel: { getAddress(): string } }).subchannel.getAddress();

describe('HedgeAwarePicker', () => {
  it("sends a call's hedge to the backend it has not used, though another call picked in between", () => {
    const picker = new HedgeAwarePicker(roundRobin(['10.0.0.1:443', '10.0.0.2:443']));
    const first = args('h1');
    expect(address(picker.pick(first))).toBe('10.0.0.1:443');
    expect(first.metadata.get(HEDGE_ID_KEY)).toEqual([]); // removed before the request is sent
    expect(address(picker.pick(args()))).toBe('10.0.0.2:443'); // another call
    expect(address(picker.pick(args('h1')))).toBe('10.0.0.2:443'); // plain round_robin would say .1 again
  });

  it('picks as the child does for calls without a hedge id, and when every backend was used', () => {
    const picker = new HedgeAwarePicker(roundRobin(['10.0.0.1:443', '10.0.0.2:443']));
    expect([1, 2, 3].map(() => address(picker.pick(args())))).toEqual(['10.0.0.1:443', '10.0.0.2:443', '10.0.0.1:443']);
    picker.pick(args('h2'));
    picker.pick(args('h2'));
    expect(address(picker.pick(args('h2')))).toMatch(/^10\.0\.0\.[12]:443$/); // both used: still a pick
  });
});
