/**
 * `observability/` owns what the client tells you: the tracer (`PANTRY_TRACE`, grpc-js-style
 * lines), the logger interface, metadata redaction and the connectivity trace. It may import
 * only `errors/` and grpc-js: every other folder may use it.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from './logger.js';

/** The tracers `PANTRY_TRACE` can switch on; `all` switches on every one. */
export const TRACERS = ['credentials', 'tls', 'connection', 'call', 'retry', 'deadline'] as const;
/** One tracer name, e.g. `'retry'`. */
export type TracerName = (typeof TRACERS)[number];
/** How much is printed: `DEBUG` prints trace lines; `INFO` adds nothing below info; `ERROR` only errors; `NONE` nothing. */
export type Verbosity = 'DEBUG' | 'INFO' | 'ERROR' | 'NONE';

/** Tracing settings, as options or from `PANTRY_TRACE` / `PANTRY_VERBOSITY`. */
export interface TraceOptions {
  /** `'all'`, a list such as `['call', 'retry']`, or the same as a comma-separated string. Default: env `PANTRY_TRACE`, else none. */
  trace?: string | readonly string[];
  /** Default: env `PANTRY_VERBOSITY`, else `DEBUG` when any tracer is on, else `INFO`. */
  verbosity?: Verbosity;
  /** Receives every line; default: grpc-js-style lines on stderr. */
  logger?: Logger;
}

const LEVELS: Record<Verbosity, number> = { DEBUG: 0, INFO: 1, ERROR: 3, NONE: 4 };
/**
 * The package's own version, read from its package.json (two levels up from src/ or dist/observability/).
 *
 * @example
 * tracerProvider.getTracer('@pantry/client', VERSION);
 */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/**
 * Writes trace lines in the format of grpc-js's `GRPC_TRACE`
 * (`D 2026-11-25T17:00:00.000Z | @pantry/client 0.1.0 4242 | retry | …`), and warnings.
 * A tracer that is off costs one boolean check; the call pipeline leaves its trace stage out entirely.
 *
 * @example
 * const tracer = new Tracer({ trace: 'call,retry' });
 * if (tracer.enabled('retry')) tracer.debug('retry', 'attempt 2 in 120 ms');
 */
export class Tracer {
  private readonly on: ReadonlySet<string>;
  private readonly level: number;
  private readonly logger: Logger | undefined;

  constructor(options: TraceOptions = {}, env: NodeJS.ProcessEnv = process.env) {
    const spec = options.trace ?? env.PANTRY_TRACE ?? '';
    const names = (typeof spec === 'string' ? spec.split(',') : [...spec])
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean);
    this.on = new Set(
      names.includes('all')
        ? TRACERS
        : names.filter((n): n is TracerName => (TRACERS as readonly string[]).includes(n)),
    );
    const verbosity = (options.verbosity ??
      env.PANTRY_VERBOSITY?.toUpperCase() ??
      (this.on.size ? 'DEBUG' : 'INFO')) as Verbosity;
    this.level = Object.hasOwn(LEVELS, verbosity) ? LEVELS[verbosity] : LEVELS.INFO;
    this.logger = options.logger;
  }

  /** True when lines of this tracer are printed. */
  enabled(tracer: TracerName): boolean {
    return this.level === 0 && this.on.has(tracer);
  }

  /** True when any tracer prints. */
  get any(): boolean {
    return this.level === 0 && this.on.size > 0;
  }

  debug(tracer: TracerName, message: string): void {
    if (this.enabled(tracer)) this.write('D', tracer, message);
  }

  info(tracer: TracerName, message: string): void {
    if (this.level <= LEVELS.INFO) this.write('I', tracer, message);
  }

  warn(tracer: TracerName, message: string): void {
    if (this.level <= LEVELS.INFO) this.write('W', tracer, message);
  }

  error(tracer: TracerName, message: string): void {
    if (this.level <= LEVELS.ERROR) this.write('E', tracer, message);
  }

  private write(severity: 'D' | 'I' | 'W' | 'E', tracer: string, message: string): void {
    if (this.logger) {
      const line = `${tracer} | ${message}`;
      if (severity === 'D') this.logger.debug(line);
      else if (severity === 'I') this.logger.info(line);
      else if (severity === 'W') this.logger.warn(line);
      else this.logger.error(line);
      return;
    }
    process.stderr.write(
      `${severity} ${new Date().toISOString()} | @pantry/client ${VERSION} ${process.pid} | ${tracer} | ${message}\n`,
    );
  }
}
