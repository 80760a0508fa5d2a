import { isIP } from 'node:net';
import { Code } from '../errors/code.js';
import { configError } from '../errors/pantry-error.js';

/** A parsed `host:port` target. */
export interface Address {
  host: string;
  port: number;
  /** `host:port` as grpc-js dials it (IPv6 hosts in brackets). */
  target: string;
  /** True when the host is an IP address, not a name (for an `ipv4:` list: every element is one). */
  isIp: boolean;
  /**
   * Set for a gRPC target URI instead of `host:port`: `ipv4:` (a list of addresses, for
   * `round_robin`), `dns:///name:port` (the name resolved here to all its addresses, as a
   * Kubernetes headless Service returns every pod), or `xds:///name` (needs `@grpc/grpc-js-xds`).
   * `host` and `port` are then those of the first address (the xDS name and 443 for `xds:`).
   */
  scheme?: TargetScheme;
  /** The `ipv4:` list's addresses, or the `dns:///` name's one. */
  endpoints?: readonly Address[];
}

/** The gRPC target URI schemes an address may use. */
export type TargetScheme = 'ipv4' | 'dns' | 'xds';

const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/**
 * Parses `host:port` (`[v6]:port` for IPv6; the port defaults to 443) and throws an
 * `INVALID_ARGUMENT` {@link PantryError} naming `from` when it is malformed.
 *
 * @example
 * parseAddress('pantry.example.com:443', 'argument address') // { host: 'pantry.example.com', port: 443, … }
 */
export function parseAddress(raw: string, from: string): Address {
  const fail = (why: string) =>
    configError(
      Code.INVALID_ARGUMENT,
      `address "${raw}" (${from}): ${why}`,
      'write it as host:port, e.g. pantry.example.com:443 or 127.0.0.1:8443',
    );
  if (typeof raw !== 'string')
    throw configError(
      Code.INVALID_ARGUMENT,
      `address (${from}) must be a "host:port" string, got ${raw === null ? 'null' : typeof raw}`,
    );
  if (raw.trim() === '') throw fail('is empty');
  const text = raw.trim();
  const uri = /^(ipv4|dns|xds):(.*)$/i.exec(text);
  if (uri) return parseTargetUri(raw, from, uri[1].toLowerCase() as TargetScheme, uri[2]);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) throw fail('has a URL scheme; give host:port without http:// or https://');
  let host: string;
  let portText: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  if (v6) {
    host = v6[1];
    portText = v6[2];
    if (isIP(host) !== 6) throw fail(`"${host}" is not an IPv6 address`);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon !== text.indexOf(':'))
      throw fail('has more than one ":"; put an IPv6 address in brackets, e.g. [::1]:443');
    host = colon === -1 ? text : text.slice(0, colon);
    portText = colon === -1 ? undefined : text.slice(colon + 1);
    if (!HOST.test(host)) throw fail(`"${host}" is not a valid host name or IPv4 address`);
    // Digits and dots only is an IPv4 address or nothing: 999.1.1.1 is no host name.
    if (/^[\d.]+$/.test(host) && isIP(host) !== 4) throw fail(`"${host}" is not a valid IPv4 address`);
  }
  const port = portText === undefined ? 443 : Number(portText);
  if (!/^\d+$/.test(portText ?? '443') || !Number.isInteger(port) || port < 1 || port > 65535)
    throw fail(`port "${portText}" must be a number from 1 to 65535`);
  const target = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return { host, port, target, isIp: isIP(host) !== 0 };
}

/**
 * A gRPC target URI: `ipv4:h:p,h:p` (every element an IPv4 `host:port`), `dns:///name:port` or
 * `xds:///name`; the part after the scheme is checked like a `host:port`.
 */
function parseTargetUri(raw: string, from: string, scheme: TargetScheme, rest: string): Address {
  const fail = (why: string) =>
    configError(
      Code.INVALID_ARGUMENT,
      `address "${raw}" (${from}): ${why}`,
      'target URIs: ipv4:10.0.0.1:443,10.0.0.2:443 or dns:///pantry.example.com:443 or xds:///pantry',
    );
  const target = `${scheme}:${rest}`;
  if (scheme === 'xds') {
    const name = /^\/\/\/([A-Za-z0-9][A-Za-z0-9._-]*)$/.exec(rest)?.[1];
    if (!name) throw fail('an xds: target is xds:///name (the listener name of the xDS configuration)');
    return { host: name, port: 443, target, isIp: false, scheme };
  }
  if (scheme === 'dns') {
    if (!rest.startsWith('///')) throw fail('a dns: target is dns:///name:port');
    const inner = parseAddress(rest.slice(3), from);
    if (inner.isIp) throw fail('a dns: target names a host; give IP addresses as an ipv4: list');
    return { ...inner, target: `dns:///${inner.target}`, isIp: false, scheme, endpoints: [inner] };
  }
  const parts = rest.split(',');
  if (!parts.every((p) => /^[\d.]+:\d+$/.test(p.trim())))
    throw fail('an ipv4: target lists IPv4 host:port pairs, separated by commas');
  const addresses = parts.map((p) => parseAddress(p, from));
  return {
    host: addresses[0].host,
    port: addresses[0].port,
    target: `ipv4:${addresses.map((a) => a.target).join(',')}`,
    isIp: true,
    scheme,
    endpoints: addresses,
  };
}
