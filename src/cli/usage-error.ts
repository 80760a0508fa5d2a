/**
 * A command line the CLI cannot run: an unknown option, a missing argument, no such method, or a
 * request refused before sending. `pantry-client` prints it with the command's help pointer and
 * exits 2 (a failed call exits 1).
 *
 * @example
 * throw new UsageError('call', 'pageSiz: no such field (fields: pageSize, pageToken, …)', 'fix the request JSON');
 */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    /** The command whose help applies: `main`, `doctor`, `call` or `dev-certs`. */
    readonly command: 'main' | 'doctor' | 'call' | 'dev-certs',
    message: string,
    /** What to change, when there is something specific to say. */
    readonly hint?: string,
  ) {
    super(message);
  }
}
