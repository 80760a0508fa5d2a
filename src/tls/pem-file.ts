import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { Code } from '../errors/code.js';
import { configError } from '../errors/pantry-error.js';
import { describeSource, looksLikeBase64, type ResolvedPem } from './pem-source.js';

/** The largest certificate, bundle or key accepted, file or inline: 1 MiB (the whole Mozilla root bundle is about 220 KB). */
export const MAX_PEM_BYTES = 1024 * 1024;

/** One complete `-----BEGIN label----- … -----END label-----` block. */
export interface PemBlock {
  /** e.g. `CERTIFICATE`, `PRIVATE KEY`. */
  label: string;
  /** The block, markers included. */
  text: string;
}

/**
 * The one reader of TLS input. Inline bytes are taken as they are; a file is opened without
 * blocking (a FIFO cannot stall it) and read only when it is a regular file of at most
 * {@link MAX_PEM_BYTES} (no `/dev/zero`, no 50 MB bundle). The result must be PEM made of complete
 * blocks only: a cut-off block (a file still being written) is an error, so a renewal is never
 * taken half-written. Errors are {@link PantryError}s naming `part` and its source, never content.
 *
 * @example
 * const { blocks } = readPem('ca', resolvePemInput('./certs/ca.crt', 'option ca'), hint);
 */
export function readPem(part: string, input: ResolvedPem, hint?: string): { bytes: Buffer; blocks: PemBlock[] } {
  const what = `${part} ${describeSource(input.source)}`;
  const bytes = input.bytes ?? readRegularFile(what, input.source.path!, input.source.showPath !== false, hint);
  if (bytes.length > MAX_PEM_BYTES) throw tooLarge(what, bytes.length);
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  if (text.trim() === '') throw configError(Code.FAILED_PRECONDITION, `${what}: is empty`, hint);
  if (!text.includes('-----BEGIN')) {
    const der = bytes[0] === 0x30;
    throw configError(
      Code.INVALID_ARGUMENT,
      `${what}: is not PEM${der ? ' (it looks like DER)' : looksLikeBase64(text.trim()) ? ' (it looks like base64 without the -----BEGIN/-----END lines)' : ''}`,
      der
        ? `convert it: openssl ${part === 'key' ? 'pkey' : 'x509'} -inform der -in FILE -out FILE.pem`
        : 'expected text starting with "-----BEGIN"; give the whole PEM text, or a file path',
    );
  }
  const blocks = pemBlocks(text);
  if (!blocks) {
    throw configError(
      Code.FAILED_PRECONDITION,
      `${what}: holds a cut-off PEM block (a file still being written, or truncated)`,
      'write certificate files whole (cert-manager and kubelet swap them atomically); this client keeps the previous ones until then',
    );
  }
  return { bytes, blocks };
}

/**
 * Splits PEM text into its blocks, or returns `undefined` when any block is incomplete: a BEGIN
 * without its END, an END without its BEGIN, or a marker line cut short.
 *
 * @example
 * pemBlocks(leafPem + intermediatePem.slice(0, 300)) // undefined: the intermediate is cut off
 */
export function pemBlocks(text: string): PemBlock[] | undefined {
  const blocks: PemBlock[] = [];
  let open: { label: string; start: number } | undefined;
  const marker = /^-----(BEGIN|END) ([A-Z0-9 ]+)-----[ \t]*\r?$/;
  let offset = 0;
  for (const line of text.split('\n')) {
    const start = offset;
    offset += line.length + 1;
    if (!line.startsWith('-----')) continue;
    const m = marker.exec(line);
    if (!m) return undefined;
    if (m[1] === 'BEGIN') {
      if (open) return undefined;
      open = { label: m[2], start };
    } else {
      if (!open || open.label !== m[2]) return undefined;
      blocks.push({ label: open.label, text: text.slice(open.start, start + line.length).replace(/\r/g, '') });
      open = undefined;
    }
  }
  return open ? undefined : blocks;
}

function readRegularFile(what: string, path: string, showPath: boolean, hint?: string): Buffer {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO without a writer would otherwise wait forever.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? showPath
          ? 'file does not exist'
          : 'is neither PEM text nor an existing file'
        : code === 'EACCES'
          ? 'file is not readable by this process'
          : code === 'EISDIR'
            ? 'is a directory, not a file'
            : `file cannot be opened (${code ?? 'error'})`;
    throw configError(
      Code.FAILED_PRECONDITION,
      `${what}: ${why}`,
      !showPath && code === 'ENOENT'
        ? 'give the PEM text with its -----BEGIN and -----END lines, or the path of a PEM file'
        : hint,
    );
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile())
      throw configError(Code.FAILED_PRECONDITION, `${what}: is ${kindOfFile(stats)}, not a regular file`, hint);
    if (stats.size > MAX_PEM_BYTES) throw tooLarge(what, stats.size);
    // Read at most one byte past the cap: a file that grows while being read is still bounded.
    const buffer = Buffer.alloc(Math.min(MAX_PEM_BYTES + 1, stats.size + 64 * 1024));
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length; length += n)
      n = readSync(fd, buffer, length, buffer.length - length, null);
    return buffer.subarray(0, length);
  } catch (err) {
    if ((err as { name?: string }).name === 'PantryError') throw err;
    throw configError(
      Code.FAILED_PRECONDITION,
      `${what}: file cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      hint,
    );
  } finally {
    closeSync(fd);
  }
}

function tooLarge(what: string, size: number) {
  return configError(
    Code.FAILED_PRECONDITION,
    `${what}: is ${size} bytes, more than the ${MAX_PEM_BYTES / 1024 / 1024} MiB a certificate, bundle or key may have`,
    'give only the CA certificates this client needs',
  );
}

function kindOfFile(s: Stats): string {
  return s.isDirectory()
    ? 'a directory'
    : s.isFIFO()
      ? 'a FIFO (named pipe)'
      : s.isCharacterDevice()
        ? 'a character device'
        : s.isBlockDevice()
          ? 'a block device'
          : s.isSocket()
            ? 'a socket'
            : 'a special file';
}
