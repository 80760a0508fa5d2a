import { Code } from '../errors/code.js';
import { configError } from '../errors/pantry-error.js';
import { parseAddress, type Address } from './address.js';

/**
 * Parses a client target: `host:port` (see `parseAddress`), or a multi-address target for
 * client-side balancing — `ipv4:10.0.0.7:8443,10.0.0.8:8443` (every address a backend) or
 * `dns:///pantry-envoy.pantry.svc.cluster.local:8443` (the name resolved here to all its
 * addresses, as a Kubernetes headless Service returns every pod). Throws an `INVALID_ARGUMENT`
 * {@link PantryError} naming `from` and the bad part.
 *
 * @example
 * parseTarget('ipv4:127.0.0.2:8443,127.0.0.3:8443', 'option address').endpoints?.length // 2
 * parseTarget('dns:///pantry:8443', 'option address').target // 'dns:///pantry:8443'
 */
export function parseTarget(raw: string, from: string): Address {
  const text = typeof raw === 'string' ? raw.trim() : raw;
  if (typeof text === 'string' && /^ipv4:/i.test(text)) {
    const list = text.slice(5).split(',');
    const endpoints = list.map((a, i) => {
      const e = parseAddress(a, `${from}, ipv4: address ${i + 1}`);
      if (!e.isIp || e.host.includes(':') || !/:\d+$/.test(a.trim()))
        throw configError(
          Code.INVALID_ARGUMENT,
          `address "${raw}" (${from}): "${a}" is not an IPv4 address with a port`,
          'write ipv4:10.0.0.7:8443,10.0.0.8:8443',
        );
      return e;
    });
    return {
      ...endpoints[0],
      target: `ipv4:${endpoints.map((e) => e.target).join(',')}`,
      scheme: 'ipv4',
      endpoints,
    };
  }
  if (typeof text === 'string' && /^dns:/i.test(text)) {
    const m = /^dns:(?:\/\/\/)?([^/]+)$/i.exec(text);
    if (!m)
      throw configError(
        Code.INVALID_ARGUMENT,
        `address "${raw}" (${from}): a dns: target is dns:///host:port (no DNS server authority)`,
        'write dns:///pantry.example.com:443',
      );
    const e = parseAddress(m[1], `${from}, dns: name`);
    return { ...e, target: `dns:///${e.target}`, scheme: 'dns', endpoints: [e] };
  }
  return parseAddress(raw, from);
}
