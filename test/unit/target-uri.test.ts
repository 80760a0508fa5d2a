import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/client/config.js';
import { PantryError } from '../../src/index.js';
import { parseAddress } from '../../src/tls/address.js';

// gRPC target URIs as addresses: ipv4: lists (for round_robin), dns:/// and xds:/// names.

describe('target URIs', () => {
  it('parses an ipv4: list, a dns:/// name and an xds:/// name', () => {
    expect(parseAddress('ipv4:127.0.0.1:5001,127.0.0.2:5002', 'test')).toEqual({
      host: '127.0.0.1',
      port: 5001,
      target: 'ipv4:127.0.0.1:5001,127.0.0.2:5002',
      isIp: true,
      scheme: 'ipv4',
      endpoints: [
        { host: '127.0.0.1', port: 5001, target: '127.0.0.1:5001', isIp: true },
        { host: '127.0.0.2', port: 5002, target: '127.0.0.2:5002', isIp: true },
      ],
    });
    expect(parseAddress('dns:///pantry.default.svc:8443', 'test')).toMatchObject({
      host: 'pantry.default.svc',
      port: 8443,
      target: 'dns:///pantry.default.svc:8443',
      scheme: 'dns',
    });
    expect(parseAddress('xds:///pantry', 'test')).toMatchObject({
      host: 'pantry',
      target: 'xds:///pantry',
      scheme: 'xds',
    });
  });

  it.each([
    ['ipv4:pantry:443', 'an ipv4: target lists IPv4 host:port pairs'],
    ['ipv4:127.0.0.1', 'an ipv4: target lists IPv4 host:port pairs'],
    ['xds://authority/pantry', 'an xds: target is xds:///name'],
    ['dns:pantry:443', 'a dns: target is dns:///name:port'],
    ['dns:///10.0.0.1:443', 'give IP addresses as an ipv4: list'],
  ])('refuses %s, naming the problem', (raw, why) => {
    expect(() => parseAddress(raw, 'option address')).toThrow(why);
  });

  it('needs serverName with TLS for an xds: name, which no certificate carries', () => {
    const err = (() => {
      try {
        resolveConfig({ address: 'xds:///pantry', certDir: '/nonexistent' }, {});
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(PantryError);
    expect((err as PantryError).details).toContain('is an xds: target: TLS needs serverName');
    expect(resolveConfig({ address: 'xds:///pantry', serverName: 'localhost' }, {}).address.scheme).toBe('xds');
    expect(resolveConfig({ address: 'ipv4:127.0.0.1:1,127.0.0.1:2', insecure: true }, {}).address.scheme).toBe('ipv4');
  });
});

describe('xds: targets', () => {
  it('say which bootstrap variable is missing before any call', async () => {
    const { createClient } = await import('../../src/index.js');
    const saved = { file: process.env.GRPC_XDS_BOOTSTRAP, json: process.env.GRPC_XDS_BOOTSTRAP_CONFIG };
    delete process.env.GRPC_XDS_BOOTSTRAP;
    delete process.env.GRPC_XDS_BOOTSTRAP_CONFIG;
    try {
      const err = (() => {
        try {
          createClient({ address: 'xds:///pantry', serverName: 'localhost', insecure: true });
        } catch (e) {
          return e as PantryError;
        }
      })();
      expect(err).toBeInstanceOf(PantryError);
      expect(err?.codeName).toBe('FAILED_PRECONDITION');
      expect(err?.details).toContain('neither GRPC_XDS_BOOTSTRAP nor GRPC_XDS_BOOTSTRAP_CONFIG is set');
    } finally {
      if (saved.file !== undefined) process.env.GRPC_XDS_BOOTSTRAP = saved.file;
      if (saved.json !== undefined) process.env.GRPC_XDS_BOOTSTRAP_CONFIG = saved.json;
    }
  });
});

describe('registerXds', () => {
  it('names the package to install when @grpc/grpc-js-xds is missing', async () => {
    const { registerXds } = await import('../../src/transport/xds.js');
    const missing = () => {
      throw Object.assign(new Error("Cannot find module '@grpc/grpc-js-xds'"), { code: 'MODULE_NOT_FOUND' });
    };
    const err = (() => {
      try {
        registerXds({ GRPC_XDS_BOOTSTRAP: '/etc/xds.json' }, missing);
      } catch (e) {
        return e as PantryError;
      }
    })();
    expect(err?.codeName).toBe('FAILED_PRECONDITION');
    expect(err?.details).toContain('needs the optional peer dependency @grpc/grpc-js-xds');
    expect(err?.hint).toContain('npm install @grpc/grpc-js-xds@1.14.1');
  });
});
