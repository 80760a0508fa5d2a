import { isIP } from 'node:net';
import { Code } from '../errors/code.js';
import { configError } from '../errors/pantry-error.js';

/** A parsed `host:port` target. */
export interface Address {
  host: string;
  port: number;
  /** `host:port` as grpc-js dials it (IPv6 hosts in brackets). */
  target: string;
  /** True when the host is an IP address, not a name. */
  isIp: boolean;
  /**
   * A multi-address target (see `parseTarget`): `ipv4` for a list of IPv4 addresses, `dns` for a
   * name resolved locally to all its addresses. Then `host` and `port` are the first endpoint's.
   */
  scheme?: 'ipv4' | 'dns';
  /** The `ipv4:` list's endpoints, or the `dns:///` name's one. */
  endpoints?: readonly Address[];
}

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
