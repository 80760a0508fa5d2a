/**
 * `telemetry/` owns OpenTelemetry: the options, loading the optional peer `@opentelemetry/api`,
 * the gRFC A66 metrics and the stages that make a span per call and per attempt. It may import
 * `errors/`, `observability/`, `schema/`, `retry/` and `pipeline/`; only `client/` imports it.
 */
import { Code } from '../errors/code.js';
import { configError } from '../errors/pantry-error.js';

/**
 * Where the client's spans and metrics go; every field is optional. Without one the global
 * providers of `@opentelemetry/api` are used (what the app's SDK registered), and the global
 * propagator writes `traceparent` (and `baggage`) into each attempt's metadata. The types are
 * structural so that this package's types do not need `@opentelemetry/api` installed: an SDK's
 * `TracerProvider` and `MeterProvider` fit.
 *
 * @example
 * createClient({ address, certDir, telemetry: { tracerProvider, meterProvider } });
 */
export interface TelemetryOptions {
  /** Makes the client's tracer (`getTracer('@pantry/client', version)`). Default: the global one. */
  tracerProvider?: { getTracer(name: string, version?: string): object };
  /** Makes the client's meter (`getMeter('@pantry/client', version)`). Default: the global one. */
  meterProvider?: { getMeter(name: string, version?: string): object };
}

/**
 * Checks the client option `telemetry`: `true` (global providers), `false` or absent (off), or
 * {@link TelemetryOptions}. Returns the options when on, `undefined` when off; anything else throws
 * a {@link PantryError} `INVALID_ARGUMENT` that names the field.
 *
 * @example
 * resolveTelemetry(true, 'option telemetry') // {}
 * resolveTelemetry(undefined, 'option telemetry') // undefined: the stage is left out
 */
export function resolveTelemetry(value: unknown, from: string): Readonly<TelemetryOptions> | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return Object.freeze({});
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw configError(
      Code.INVALID_ARGUMENT,
      `${from} must be true, false or { tracerProvider?, meterProvider? }, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`,
    );
  const o = value as Record<string, unknown>;
  const methods = { tracerProvider: 'getTracer', meterProvider: 'getMeter' } as const;
  for (const key of Object.keys(o)) {
    if (!(key in methods))
      throw configError(
        Code.INVALID_ARGUMENT,
        `${from}: unknown field "${key}"`,
        'known fields: tracerProvider, meterProvider',
      );
  }
  for (const [key, method] of Object.entries(methods)) {
    const p = o[key] as Record<string, unknown> | undefined;
    if (p !== undefined && (p === null || typeof p !== 'object' || typeof p[method] !== 'function'))
      throw configError(
        Code.INVALID_ARGUMENT,
        `${from}.${key} must be an OpenTelemetry ${key === 'tracerProvider' ? 'TracerProvider' : 'MeterProvider'} (an object with ${method}())`,
      );
  }
  return Object.freeze({ ...(o as TelemetryOptions) });
}
