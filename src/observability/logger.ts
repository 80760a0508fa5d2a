/**
 * Where `@pantry/client` writes trace lines and warnings. Any pino, winston or console-like
 * object fits; the default writes grpc-js-style lines to stderr.
 *
 * @example
 * import pino from 'pino';
 * createClient({ address, certDir, logger: pino() });
 */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}
