import { describe, expect, it } from 'vitest';
import { Code, PantryError } from '../../src/index.js';
import { resolveConfig } from '../../src/client/config.js';
import { createChannel } from '../../src/transport/channel.js';
import { credentials } from '@grpc/grpc-js';
import { parseAddress } from '../../src/tls/address.js';

// Multi-address targets as client-side balancing sees them (the parse errors: target-uri.test.ts),
// and loadBalancing's checks.

describe('multi-address targets', () => {
  it('keeps host:port as it was', () => {
    expect(parseAddress('pantry:8443', 'x')).toEqual({
      host: 'pantry',
      port: 8443,
      target: 'pantry:8443',
      isIp: false,
    });
  });

  it('reads an ipv4: list, every address with its port, each checked as an IP', () => {
    const t = parseAddress(' ipv4:127.0.1.1:8443,127.0.1.2:9443 ', 'option address');
    expect(t.target).toBe('ipv4:127.0.1.1:8443,127.0.1.2:9443');
    expect([t.scheme, t.host, t.port, t.isIp]).toEqual(['ipv4', '127.0.1.1', 8443, true]);
    expect(t.endpoints?.map((e) => e.target)).toEqual(['127.0.1.1:8443', '127.0.1.2:9443']);
  });

  it.each([
    ['dns:///pantry-envoy.pantry.svc.cluster.local:8443', 'dns:///pantry-envoy.pantry.svc.cluster.local:8443'],
    ['dns:///pantry', 'dns:///pantry:443'],
  ])('reads %s as a name resolved here (%s)', (raw, target) => {
    const t = parseAddress(raw, 'option address');
    expect([t.target, t.scheme, t.isIp, t.endpoints?.length]).toEqual([target, 'dns', false, 1]);
  });

  it.each([
    ['ipv4:127.0.0.1:443,', 'an ipv4: target lists IPv4 host:port pairs'],
    ['ipv4:[::1]:443', 'an ipv4: target lists IPv4 host:port pairs'],
    ['dns://8.8.8.8/pantry:443', 'a dns: target is dns:///name:port'],
    ['dns:///pantry:99999', 'must be a number from 1 to 65535'],
  ])('refuses %s, naming why', (raw, reason) => {
    expect(() => parseAddress(raw, 'option address')).toThrow(reason);
  });
});

describe('loadBalancing', () => {
  it("defaults to pick_first and accepts 'round_robin'", () => {
    expect(resolveConfig({ address: 'a:1' }, {}).loadBalancing).toBe('pick_first');
    expect(
      resolveConfig({ address: 'ipv4:127.0.0.2:1,127.0.0.3:1', loadBalancing: 'round_robin' }, {}).loadBalancing,
    ).toBe('round_robin');
  });

  it('refuses another policy with INVALID_ARGUMENT naming the option', () => {
    expect(() => resolveConfig({ address: 'a:1', loadBalancing: 'random' as 'round_robin' }, {})).toThrow(
      /option loadBalancing must be 'pick_first' or 'round_robin', got "random"/,
    );
  });

  it('round_robin puts the policy (under the hedge-aware picker) into the service config and re-resolves at most once a second', () => {
    const channel = createChannel('ipv4:127.0.0.2:1,127.0.0.3:1', credentials.createInsecure(), {
      loadBalancing: 'round_robin',
    });
    // grpc-js keeps the channel's options on its internal channel.
    const opts = (channel.getChannel() as unknown as { internalChannel: { options: Record<string, unknown> } })
      .internalChannel.options;
    channel.close();
    expect(JSON.parse(String(opts['grpc.service_config']))).toEqual({
      loadBalancingConfig: [{ pantry_hedge_aware: { childPolicy: [{ round_robin: {} }] } }],
    });
    expect(opts['grpc.dns_min_time_between_resolutions_ms']).toBe(1_000);
    expect(opts['grpc.enable_retries']).toBe(0);
  });
});
