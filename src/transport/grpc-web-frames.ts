import { PlainMetadata } from '../metadata/plain-metadata.js';
import type { CallMetadata } from '../metadata/call-metadata.js';

/** The flag of a gRPC-Web frame that carries the trailers (`0x80`); `0x00` carries a message. */
const TRAILER_FLAG = 0x80;

/**
 * One length-prefixed gRPC-Web frame around an encoded message: flag `0`, a 4-byte big-endian
 * length, the bytes. The request body of a unary or server-streaming call is exactly one.
 *
 * @example
 * await fetch(url, { method: 'POST', body: messageFrame(HelloRequest.encode(req).finish()) });
 */
export function messageFrame(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const frame = new Uint8Array(5 + bytes.length);
  new DataView(frame.buffer).setUint32(1, bytes.length);
  frame.set(bytes, 5);
  return frame;
}

/** What {@link FrameReader} takes out of a response body: a message, or the trailers that end it. */
export type Frame =
  | { readonly kind: 'message'; readonly bytes: Uint8Array }
  | { readonly kind: 'trailers'; readonly trailers: CallMetadata };

/**
 * Cuts a gRPC-Web response body into frames as its chunks arrive (a frame may span chunks, a chunk
 * hold several frames), so a server stream is delivered message by message.
 *
 * @example
 * const frames = new FrameReader();
 * for (const frame of frames.push(chunk)) if (frame.kind === 'message') onMessage(frame.bytes);
 */
export class FrameReader {
  private buffered: Uint8Array = new Uint8Array(0);

  /** The frames completed by `chunk`, in order. */
  push(chunk: Uint8Array): Frame[] {
    let data = chunk;
    if (this.buffered.length) {
      data = new Uint8Array(this.buffered.length + chunk.length);
      data.set(this.buffered);
      data.set(chunk, this.buffered.length);
    }
    const frames: Frame[] = [];
    let at = 0;
    while (data.length - at >= 5) {
      const length = new DataView(data.buffer, data.byteOffset + at + 1, 4).getUint32(0);
      if (data.length - at - 5 < length) break;
      const body = data.subarray(at + 5, at + 5 + length);
      frames.push(
        data[at]! & TRAILER_FLAG
          ? { kind: 'trailers', trailers: parseTrailers(body) }
          : { kind: 'message', bytes: body.slice() },
      );
      at += 5 + length;
    }
    this.buffered = data.slice(at);
    return frames;
  }

  /** True when bytes of an unfinished frame are left (a body cut short). */
  get pending(): boolean {
    return this.buffered.length > 0;
  }
}

/**
 * The trailers of a gRPC-Web trailer frame: HTTP/1-style `key: value` lines.
 *
 * @example
 * parseTrailers(new TextEncoder().encode('grpc-status: 5\r\ngrpc-message: no such food\r\n')).get('grpc-status') // ['5']
 */
export function parseTrailers(bytes: Uint8Array): CallMetadata {
  const md = new PlainMetadata();
  for (const line of new TextDecoder().decode(bytes).split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    addHeader(md, line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return md;
}

/**
 * Response headers as metadata: `-bin` values base64-decoded, everything else as sent; the
 * HTTP-only headers (`content-type`, …) are kept too, as grpc-js keeps them.
 *
 * @example
 * headersToMetadata(response.headers).get('grpc-status')
 */
export function headersToMetadata(headers: Headers): CallMetadata {
  const md = new PlainMetadata();
  headers.forEach((value, key) => {
    addHeader(md, key, value);
  });
  return md;
}

/**
 * The request headers of a call's metadata: `-bin` values base64-encoded, several values joined
 * with `, ` as HTTP does.
 *
 * @example
 * metadataToHeaders(req.metadata, headers);
 */
export function metadataToHeaders(md: CallMetadata, headers: Headers): void {
  for (const [key, values] of Object.entries(md.toJSON()))
    for (const v of values) headers.append(key, typeof v === 'string' ? v : toBase64(v));
}

function addHeader(md: CallMetadata, key: string, value: string): void {
  const k = key.toLowerCase();
  try {
    if (k.endsWith('-bin')) for (const part of value.split(',')) md.add(k, fromBase64(part.trim()));
    else md.add(k, value);
  } catch {
    // a header gRPC metadata cannot hold (a name with other characters, bad base64): left out
  }
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function fromBase64(text: string): Uint8Array {
  // gRPC allows unpadded base64 in -bin values.
  const padded = text + '='.repeat((4 - (text.length % 4)) % 4);
  const s = atob(padded);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}
