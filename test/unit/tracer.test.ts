import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { TRACERS, Tracer } from '../../src/observability/tracer.js';
import { captureLogger } from '../helpers.js';

// The tracer: which names PANTRY_TRACE / the trace option turn on, what each verbosity lets
// through, the logger's levels, and the line format written to stderr without a logger.

describe('Tracer', () => {
  it('turns on the named tracers, case and spaces aside, and all of them with "all"', () => {
    const t = new Tracer({ trace: ' Retry , deadline,,nonsense' }, {});
    expect(TRACERS.filter((n) => t.enabled(n))).toEqual(['retry', 'deadline']);
    expect(t.any).toBe(true);
    expect(TRACERS.filter((n) => new Tracer({ trace: ['call', 'TLS'] }, {}).enabled(n))).toEqual(['tls', 'call']);
    expect(TRACERS.filter((n) => new Tracer({ trace: 'all' }, {}).enabled(n))).toEqual([...TRACERS]);
    expect(TRACERS).toEqual(['credentials', 'tls', 'connection', 'call', 'retry', 'deadline']);
    const none = new Tracer({}, {});
    expect(TRACERS.some((n) => none.enabled(n))).toBe(false);
    expect(none.any).toBe(false);
  });

  it('reads PANTRY_TRACE and PANTRY_VERBOSITY from the environment, the options winning', () => {
    expect(new Tracer({}, { PANTRY_TRACE: 'retry' }).enabled('retry')).toBe(true);
    expect(new Tracer({ trace: '' }, { PANTRY_TRACE: 'retry' }).enabled('retry')).toBe(false);
    expect(new Tracer({}, { PANTRY_TRACE: 'retry', PANTRY_VERBOSITY: 'info' }).enabled('retry')).toBe(false);
    expect(
      new Tracer({ verbosity: 'DEBUG' }, { PANTRY_TRACE: 'retry', PANTRY_VERBOSITY: 'info' }).enabled('retry'),
    ).toBe(true);
  });

  it('lets through what each verbosity allows', () => {
    const seen = (verbosity: string | undefined, trace = 'retry') => {
      const logger = captureLogger();
      const t = new Tracer({ trace, verbosity: verbosity as never, logger }, {});
      t.debug('retry', 'd');
      t.info('retry', 'i');
      t.warn('retry', 'w');
      t.error('retry', 'e');
      return logger.lines;
    };
    expect(seen('DEBUG')).toEqual(['debug retry | d', 'info retry | i', 'warn retry | w', 'error retry | e']);
    expect(seen('INFO')).toEqual(['info retry | i', 'warn retry | w', 'error retry | e']);
    expect(seen('ERROR')).toEqual(['error retry | e']);
    expect(seen('NONE')).toEqual([]);
    expect(seen('LOUD')).toEqual(['info retry | i', 'warn retry | w', 'error retry | e']); // unknown: INFO
    expect(seen(undefined)).toEqual(['debug retry | d', 'info retry | i', 'warn retry | w', 'error retry | e']); // tracing on: DEBUG
    expect(seen(undefined, '')).toEqual(['info retry | i', 'warn retry | w', 'error retry | e']); // no tracer: INFO
    expect(seen('DEBUG', 'call')).toEqual(['info retry | i', 'warn retry | w', 'error retry | e']); // debug only for tracers that are on
  });

  it('writes "S time | @pantry/client version pid | tracer | message" to stderr without a logger', () => {
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const t = new Tracer({ trace: 'call' }, {});
      t.debug('call', 'hello');
      t.warn('tls', 'careful');
      t.error('tls', 'broken');
      t.info('tls', 'note');
      const lines = write.mock.calls.map((c) => String(c[0]));
      const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
        version: string;
      };
      expect(lines[0]).toMatch(
        new RegExp(
          `^D \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z \\| @pantry/client ${version} ${process.pid} \\| call \\| hello\\n$`,
        ),
      );
      expect(lines.map((l) => `${l[0]} ${l.split(' | ').slice(2).join(' | ')}`)).toEqual([
        'D call | hello\n',
        'W tls | careful\n',
        'E tls | broken\n',
        'I tls | note\n',
      ]);
    } finally {
      write.mockRestore();
    }
  });
});
