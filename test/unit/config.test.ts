import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/client/config.js';
import { runDoctor } from '../../src/doctor/doctor.js';

describe('resolveConfig', () => {
  it('records where every value came from', () => {
    const config = resolveConfig(
      { deadlineMs: 2_000 },
      { GRPC_SERVER_ADDRESS: 'pantry.example.com:443', PANTRY_SERVER_NAME: 'pantry.internal' },
    );
    expect(config.address.target).toBe('pantry.example.com:443');
    expect(config.sources).toMatchObject({
      address: 'env GRPC_SERVER_ADDRESS',
      serverName: 'env PANTRY_SERVER_NAME',
      deadlineMs: 'option deadlineMs',
      streamDeadlineMs: 'default',
      retry: 'default',
    });
    expect(
      resolveConfig({ address: 'a:1' }, { PANTRY_ADDRESS: 'b:2', PANTRY_DEADLINE_MS: '300' }).sources,
    ).toMatchObject({ address: 'option address', deadlineMs: 'env PANTRY_DEADLINE_MS' });
    expect(resolveConfig({}, { PANTRY_ADDRESS: 'b:2', GRPC_SERVER_ADDRESS: 'c:3' }).sources.address).toBe(
      'env PANTRY_ADDRESS',
    );
  });

  it('is frozen', () => {
    const config = resolveConfig({ address: 'a:1' }, {});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.sources)).toBe(true);
    expect(Object.isFrozen(config.retry)).toBe(true);
  });

  it('names the variable of a bad value', () => {
    expect(() => resolveConfig({}, { GRPC_SERVER_ADDRESS: 'http://pantry:443' })).toThrow(
      /\(env GRPC_SERVER_ADDRESS\)/,
    );
    expect(() => resolveConfig({ address: 'a:1' }, { PANTRY_DEADLINE_MS: 'soon' })).toThrow(
      /env PANTRY_DEADLINE_MS must be a positive number/,
    );
  });
});

describe('doctor shares the resolution', () => {
  it('labels an address from GRPC_SERVER_ADDRESS as "env GRPC_SERVER_ADDRESS"', async () => {
    const report = await runDoctor({ env: { GRPC_SERVER_ADDRESS: 'http://pantry.example.com:443' } });
    const step = report.steps.find((s) => s.name === 'name resolution');
    expect(step?.status).toBe('fail');
    expect(step?.cause).toContain('(env GRPC_SERVER_ADDRESS)');
    expect(step?.cause).not.toContain('PANTRY_ADDRESS');
  });
});
