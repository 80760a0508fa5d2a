import { describe, expect, it } from 'vitest';
import { Code, PantryError } from '../../src/index.js';
import { parseAddress } from '../../src/tls/address.js';

// parseAddress: every accepted form, the default port, and each refusal with its exact reason.

const why = (raw: unknown): string => {
  try {
    parseAddress(raw as string, 'option address');
  } catch (e) {
    expect(e).toBeInstanceOf(PantryError);
    expect((e as PantryError).code).toBe(Code.INVALID_ARGUMENT);
    return (e as PantryError).details;
  }
  throw new Error(`accepted ${String(raw)}`);
};

describe('parseAddress', () => {
  it.each([
    ['pantry.example.com:443', 'pantry.example.com', 443, 'pantry.example.com:443', false],
    ['pantry.example.com', 'pantry.example.com', 443, 'pantry.example.com:443', false],
    ['  localhost:8443  ', 'localhost', 8443, 'localhost:8443', false],
    ['a:1', 'a', 1, 'a:1', false],
    ['a:65535', 'a', 65535, 'a:65535', false],
    ['pantry.example.com.:443', 'pantry.example.com.', 443, 'pantry.example.com.:443', false],
    ['my-host-1.svc:80', 'my-host-1.svc', 80, 'my-host-1.svc:80', false],
    [`${'a'.repeat(63)}:1`, 'a'.repeat(63), 1, `${'a'.repeat(63)}:1`, false],
    ['127.0.0.1:8443', '127.0.0.1', 8443, '127.0.0.1:8443', true],
    ['[::1]:443', '::1', 443, '[::1]:443', true],
    ['[::1]', '::1', 443, '[::1]:443', true],
    ['[2001:db8::5]:50051', '2001:db8::5', 50051, '[2001:db8::5]:50051', true],
    ['0443.example:0443', '0443.example', 443, '0443.example:443', false],
  ])('reads %j', (raw, host, port, target, isIp) => {
    expect(parseAddress(raw, 'o')).toEqual({ host, port, target, isIp });
  });

  it.each([
    ['', 'address "" (option address): is empty'],
    ['   ', 'address "   " (option address): is empty'],
    [
      'https://pantry.example.com:443',
      'address "https://pantry.example.com:443" (option address): has a URL scheme; give host:port without http:// or https://',
    ],
    [
      'dns+srv://x',
      'address "dns+srv://x" (option address): has a URL scheme; give host:port without http:// or https://',
    ],
    ['[pantry]:443', 'address "[pantry]:443" (option address): "pantry" is not an IPv6 address'],
    ['[127.0.0.1]:443', 'address "[127.0.0.1]:443" (option address): "127.0.0.1" is not an IPv6 address'],
    [
      '::1:443',
      'address "::1:443" (option address): has more than one ":"; put an IPv6 address in brackets, e.g. [::1]:443',
    ],
    ['pan try:443', 'address "pan try:443" (option address): "pan try" is not a valid host name or IPv4 address'],
    ['-pantry:443', 'address "-pantry:443" (option address): "-pantry" is not a valid host name or IPv4 address'],
    ['pantry-:443', 'address "pantry-:443" (option address): "pantry-" is not a valid host name or IPv4 address'],
    [
      `${'a'.repeat(64)}:1`,
      `address "${'a'.repeat(64)}:1" (option address): "${'a'.repeat(64)}" is not a valid host name or IPv4 address`,
    ],
    [':443', 'address ":443" (option address): "" is not a valid host name or IPv4 address'],
    ['a..b:1', 'address "a..b:1" (option address): "a..b" is not a valid host name or IPv4 address'],
    ['999.1.1.1:443', 'address "999.1.1.1:443" (option address): "999.1.1.1" is not a valid IPv4 address'],
    ['1.2.3:443', 'address "1.2.3:443" (option address): "1.2.3" is not a valid IPv4 address'],
    ['pantry:0', 'address "pantry:0" (option address): port "0" must be a number from 1 to 65535'],
    ['pantry:65536', 'address "pantry:65536" (option address): port "65536" must be a number from 1 to 65535'],
    ['pantry:', 'address "pantry:" (option address): port "" must be a number from 1 to 65535'],
    ['pantry:https', 'address "pantry:https" (option address): port "https" must be a number from 1 to 65535'],
    ['pantry:1e3', 'address "pantry:1e3" (option address): port "1e3" must be a number from 1 to 65535'],
    ['pantry:+80', 'address "pantry:+80" (option address): port "+80" must be a number from 1 to 65535'],
    ['pantry: 80', 'address "pantry: 80" (option address): port " 80" must be a number from 1 to 65535'],
    ['[::1]:', 'address "[::1]:" (option address): port "" must be a number from 1 to 65535'],
    ['[::1]:99999', 'address "[::1]:99999" (option address): port "99999" must be a number from 1 to 65535'],
  ])('refuses %j', (raw, details) => {
    expect(why(raw)).toBe(details);
  });

  it('reads a target URI scheme only at the start and only on one line', () => {
    expect(why('xdns:///pantry:443')).toBe(
      'address "xdns:///pantry:443" (option address): has a URL scheme; give host:port without http:// or https://',
    );
    expect(why('dns:///pantry:443\nx')).toBe(
      'address "dns:///pantry:443\nx" (option address): has a URL scheme; give host:port without http:// or https://',
    );
  });

  it('reads xds:///name whole, as a name, with the target URI hint', () => {
    expect(parseAddress('xds:///pantry', 'o')).toEqual({
      host: 'pantry',
      port: 443,
      target: 'xds:///pantry',
      isIp: false,
      scheme: 'xds',
    });
    for (const raw of ['xds:a///pantry', 'xds:///pantry/x']) {
      let e: PantryError | undefined;
      try {
        parseAddress(raw, 'option address');
      } catch (err) {
        e = err as PantryError;
      }
      expect([e?.details, e?.hint]).toEqual([
        `address "${raw}" (option address): an xds: target is xds:///name (the listener name of the xDS configuration)`,
        'target URIs: ipv4:10.0.0.1:443,10.0.0.2:443 or dns:///pantry.example.com:443 or xds:///pantry',
      ]);
    }
  });

  it('checks each element of an ipv4: list whole, blanks around it allowed', () => {
    expect(parseAddress('ipv4:127.0.0.1:443, 127.0.0.2:443', 'o').target).toBe('ipv4:127.0.0.1:443,127.0.0.2:443');
    for (const raw of ['ipv4:1.2.3.4:443x', 'ipv4:x1.2.3.4:443'])
      expect(why(raw)).toBe(
        `address "${raw}" (option address): an ipv4: target lists IPv4 host:port pairs, separated by commas`,
      );
  });

  it('reads brackets only as the whole host: nothing before "[" or after "]" but the port', () => {
    expect(why('[::1]x')).toBe(
      'address "[::1]x" (option address): has more than one ":"; put an IPv6 address in brackets, e.g. [::1]:443',
    );
    expect(why('x[::1]:443')).toBe(
      'address "x[::1]:443" (option address): has more than one ":"; put an IPv6 address in brackets, e.g. [::1]:443',
    );
  });

  it('gives the host:port hint, and names the kind of a value that is not a string', () => {
    try {
      parseAddress('pantry:0', 'o');
    } catch (e) {
      expect((e as PantryError).hint).toBe('write it as host:port, e.g. pantry.example.com:443 or 127.0.0.1:8443');
    }
    expect(why(443)).toBe('address (option address) must be a "host:port" string, got number');
    expect(why(null)).toBe('address (option address) must be a "host:port" string, got null');
    expect(why(undefined)).toBe('address (option address) must be a "host:port" string, got undefined');
  });
});
