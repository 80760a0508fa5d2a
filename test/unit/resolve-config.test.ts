import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/client/config.js';
import { Code, PantryError, type ClientOptions } from '../../src/index.js';

// resolveConfig, the one resolution createClient, doctor and the CLI share: options over
// environment over defaults, where each value came from, and each refusal with its message.

const config = (options: object, env: NodeJS.ProcessEnv = {}) => resolveConfig(options as ClientOptions, env);
const refusal = (options: object, env: NodeJS.ProcessEnv = {}) => {
  try {
    config(options, env);
  } catch (e) {
    expect(e).toBeInstanceOf(PantryError);
    expect((e as PantryError).code).toBe(Code.INVALID_ARGUMENT);
    return [(e as PantryError).details, (e as PantryError).hint];
  }
  throw new Error('accepted');
};

describe('resolveConfig: where each value comes from', () => {
  it('has the documented defaults', () => {
    const c = config({ address: 'pantry.example.com' });
    expect(c.address).toEqual({ host: 'pantry.example.com', port: 443, target: 'pantry.example.com:443', isIp: false });
    expect(Object.isFrozen(c.address)).toBe(true);
    expect([c.serverName, c.insecure, c.deadlineMs, c.streamDeadlineMs, c.certificateRefreshMs]).toEqual([
      undefined,
      false,
      10_000,
      Infinity,
      60_000,
    ]);
    expect(c.retryThrottle).toEqual({ maxTokens: 10, tokenRatio: 0.1 });
    expect(c.retry.maxAttempts).toBe(4);
    expect([c.interceptors, c.attemptInterceptors, c.redactKeys, c.channelOptions]).toEqual([[], [], [], {}]);
    expect({ ...c.methodDeadlineMs }).toEqual({});
    expect(c.sources).toEqual({
      address: 'option address',
      serverName: 'default',
      deadlineMs: 'default',
      streamDeadlineMs: 'default',
      certificateRefreshMs: 'default',
      retry: 'default',
      retryThrottle: 'default',
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('takes the address from the option, then PANTRY_ADDRESS, then GRPC_SERVER_ADDRESS', () => {
    const env = { PANTRY_ADDRESS: 'from-pantry:1', GRPC_SERVER_ADDRESS: 'from-grpc:2' };
    expect([
      config({ address: 'opt:3' }, env).address.target,
      config({ address: 'opt:3' }, env).sources.address,
    ]).toEqual(['opt:3', 'option address']);
    expect([config({}, env).address.target, config({}, env).sources.address]).toEqual([
      'from-pantry:1',
      'env PANTRY_ADDRESS',
    ]);
    const grpc = config({}, { GRPC_SERVER_ADDRESS: 'from-grpc:2' });
    expect([grpc.address.target, grpc.sources.address]).toEqual(['from-grpc:2', 'env GRPC_SERVER_ADDRESS']);
    expect(refusal({}, {})).toEqual([
      'no address given',
      'pass createClient("host:port", certDir) or set PANTRY_ADDRESS',
    ]);
    expect(refusal({}, { PANTRY_ADDRESS: 'x:0' })[0]).toBe(
      'address "x:0" (env PANTRY_ADDRESS): port "0" must be a number from 1 to 65535',
    );
  });

  it('takes serverName from the option, then PANTRY_SERVER_NAME, and checks it is a DNS name', () => {
    const env = { PANTRY_SERVER_NAME: 'env.example.com' };
    const fromOption = config({ address: 'a', serverName: 'opt.example.com' }, env);
    expect([fromOption.serverName, fromOption.sources.serverName]).toEqual(['opt.example.com', 'option serverName']);
    const fromEnv = config({ address: 'a' }, env);
    expect([fromEnv.serverName, fromEnv.sources.serverName]).toEqual(['env.example.com', 'env PANTRY_SERVER_NAME']);
    expect(refusal({ address: 'a', serverName: 'bad name' })[0]).toBe(
      'serverName "bad name" (option serverName) is not a DNS name',
    );
    expect(refusal({ address: 'a', serverName: 5 })[0]).toBe('serverName "5" (option serverName) is not a DNS name');
    expect(refusal({ address: 'a' }, { PANTRY_SERVER_NAME: 'x/y' })[0]).toBe(
      'serverName "x/y" (env PANTRY_SERVER_NAME) is not a DNS name',
    );
  });

  it('takes deadlineMs from the option, then PANTRY_DEADLINE_MS, then 10 000 ms', () => {
    const env = { PANTRY_DEADLINE_MS: '2500' };
    const opt = config({ address: 'a', deadlineMs: 700 }, env);
    expect([opt.deadlineMs, opt.sources.deadlineMs]).toEqual([700, 'option deadlineMs']);
    const fromEnv = config({ address: 'a' }, env);
    expect([fromEnv.deadlineMs, fromEnv.sources.deadlineMs]).toEqual([2500, 'env PANTRY_DEADLINE_MS']);
    expect(config({ address: 'a' }, { PANTRY_DEADLINE_MS: '' }).deadlineMs).toBe(10_000);
    // A bad variable is ignored when the option is given, refused otherwise.
    expect(config({ address: 'a', deadlineMs: 5 }, { PANTRY_DEADLINE_MS: 'soon' }).deadlineMs).toBe(5);
    expect(refusal({ address: 'a' }, { PANTRY_DEADLINE_MS: 'soon' })[0]).toBe(
      'env PANTRY_DEADLINE_MS must be a positive number of milliseconds, got "soon"',
    );
  });

  it('takes the other settings from their options and says so', () => {
    const interceptor = (next: never) => next;
    const c = config({
      address: '[::1]:8443',
      insecure: true,
      streamDeadlineMs: 30_000,
      certificateRefreshMs: 5_000,
      methodDeadlineMs: { listFoods: 1_000 },
      retry: { maxAttempts: 2 },
      retryThrottle: { maxTokens: 4, tokenRatio: 0.5 },
      interceptors: [interceptor],
      attemptInterceptors: [interceptor],
      redactKeys: ['tenant'],
      watchCertificates: false,
      channelOptions: { 'grpc.service_config': '{}' },
    });
    expect([c.insecure, c.streamDeadlineMs, c.certificateRefreshMs, c.retry.maxAttempts, c.watchCertificates]).toEqual([
      true,
      30_000,
      5_000,
      2,
      false,
    ]);
    expect({ ...c.methodDeadlineMs }).toEqual({ ListFoods: 1_000 });
    expect(c.retryThrottle).toEqual({ maxTokens: 4, tokenRatio: 0.5 });
    expect([c.interceptors, c.attemptInterceptors, c.redactKeys]).toEqual([[interceptor], [interceptor], ['tenant']]);
    expect(c.channelOptions).toEqual({ 'grpc.service_config': '{}' });
    expect(c.sources).toEqual({
      address: 'option address',
      serverName: 'default',
      deadlineMs: 'default',
      streamDeadlineMs: 'option streamDeadlineMs',
      certificateRefreshMs: 'option certificateRefreshMs',
      retry: 'option retry',
      retryThrottle: 'option retryThrottle',
    });
  });

  it('turns the throttle off with retryThrottle: false (1000 tokens, full refill)', () => {
    expect(config({ address: 'a', retryThrottle: false }).retryThrottle).toEqual({ maxTokens: 1000, tokenRatio: 1 });
  });
});

describe('resolveConfig: refusals', () => {
  it.each([
    [{ address: 'a', adress: 'b' }, 'createClient: unknown option "adress"'],
    [{ address: 'a', deadlineMs: 0 }, 'option deadlineMs must be a positive number of milliseconds, got 0'],
    [{ address: 'a', deadlineMs: -5 }, 'option deadlineMs must be a positive number of milliseconds, got -5'],
    [{ address: 'a', deadlineMs: Number.NaN }, 'option deadlineMs must be a positive number of milliseconds, got null'],
    [{ address: 'a', deadlineMs: true }, 'option deadlineMs must be a positive number of milliseconds, got true'],
    [
      { address: 'a', streamDeadlineMs: 'x' },
      'option streamDeadlineMs must be a positive number of milliseconds, got "x"',
    ],
    [
      { address: 'a', certificateRefreshMs: 0 },
      'option certificateRefreshMs must be a positive number of milliseconds, got 0',
    ],
    [
      { address: 'a', methodDeadlineMs: { listFoods: 0 } },
      'option methodDeadlineMs.listFoods must be a positive number of milliseconds, got 0',
    ],
    [{ address: 'a', retryThrottle: { maxTokens: 0 } }, 'option retryThrottle.maxTokens must be in (0, 1000], got 0'],
    [{ address: 'a', retry: { maxAttempts: 0 } }, 'option retry.maxAttempts: must be an integer from 1 to 10, got 0'],
    [
      { address: 'a', interceptors: [1] },
      'option interceptors must be an array of functions (next) => (request) => Promise<response>',
    ],
    [
      { address: 'a', attemptInterceptors: () => {} },
      'option attemptInterceptors must be an array of functions (next) => (request) => Promise<response>',
    ],
    [
      { address: 'a', redactKeys: [''] },
      'option redactKeys must be an array of non-empty strings (metadata key parts to redact in trace lines)',
    ],
    [
      { address: 'a', redactKeys: 'x' },
      'option redactKeys must be an array of non-empty strings (metadata key parts to redact in trace lines)',
    ],
    [
      { address: 'a', redactKeys: [3] },
      'option redactKeys must be an array of non-empty strings (metadata key parts to redact in trace lines)',
    ],
    [{ address: 'a', insecure: 'yes' }, 'option insecure must be true or false, got "yes"'],
    [{ address: 'a', insecure: true, certDir: './certs' }, 'insecure: true together with ca, cert, key or certDir'],
    [{ address: 'a', insecure: true, ca: 'x' }, 'insecure: true together with ca, cert, key or certDir'],
    [{ address: 'a', insecure: true, cert: 'x' }, 'insecure: true together with ca, cert, key or certDir'],
    [{ address: 'a', insecure: true, key: 'x' }, 'insecure: true together with ca, cert, key or certDir'],
    [{ address: 'a', watchCertificates: 1 }, 'option watchCertificates must be true or false, got 1'],
    [
      { address: 'a', channelOptions: null },
      'option channelOptions must be an object of grpc-js channel options, got null',
    ],
    [
      { address: 'a', channelOptions: [] },
      'option channelOptions must be an object of grpc-js channel options, got an array',
    ],
    [
      { address: 'a', channelOptions: 'x' },
      'option channelOptions must be an object of grpc-js channel options, got string',
    ],
  ])('refuses %j', (options, details) => {
    expect(refusal(options)[0]).toBe(details);
  });

  it('gives the fix with the refusals that have one', () => {
    expect(refusal({ address: 'a', insecure: true, certDir: 'c' })[1]).toBe(
      'drop insecure to use TLS, or drop the certificates for a plaintext port',
    );
    expect(refusal({ address: 'a', adress: 'b' })[1]).toMatch(/^known options: .*address/);
    const [details, hint] = refusal({ address: 'a', channelOptions: { 'grpc.service_config': '{' } });
    expect(details).toMatch(/^option channelOptions\['grpc\.service_config'\] is not JSON: /);
    expect(hint).toBe('give the service config as a JSON string, or leave it out');
  });

  it('allows insecure: false with certificates, and insecure: true alone', () => {
    expect(config({ address: 'a', insecure: false, certDir: 'c' }).insecure).toBe(false);
    expect(config({ address: 'a', insecure: true }).insecure).toBe(true);
  });
});
