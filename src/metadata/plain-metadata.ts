import type { CallMetadata, MetadataValue } from './call-metadata.js';

const KEY = /^[0-9a-z_.-]+$/;

/**
 * A {@link CallMetadata} without grpc-js: what the browser client sends and receives, and the
 * empty metadata of an error raised inside the client. Keys are lower-cased and checked as gRPC
 * allows them (`0-9 a-z _ . -`); values of keys ending in `-bin` are bytes, all others strings.
 *
 * @example
 * const md = new PlainMetadata();
 * md.set('x-request-source', 'kitchen-tablet');
 * md.get('x-request-source') // ['kitchen-tablet']
 */
export class PlainMetadata implements CallMetadata {
  private readonly values = new Map<string, MetadataValue[]>();

  get(key: string): MetadataValue[] {
    return [...(this.values.get(key.toLowerCase()) ?? [])];
  }

  set(key: string, value: MetadataValue): void {
    this.values.set(checkKey(key, value), [value]);
  }

  add(key: string, value: MetadataValue): void {
    const k = checkKey(key, value);
    const list = this.values.get(k);
    if (list) list.push(value);
    else this.values.set(k, [value]);
  }

  remove(key: string): void {
    this.values.delete(key.toLowerCase());
  }

  clone(): PlainMetadata {
    const copy = new PlainMetadata();
    for (const [k, v] of this.values) copy.values.set(k, [...v]);
    return copy;
  }

  getMap(): { [key: string]: MetadataValue } {
    const out: { [key: string]: MetadataValue } = {};
    for (const [k, v] of this.values) if (v.length) out[k] = v[0] as MetadataValue;
    return out;
  }

  toJSON(): { [key: string]: MetadataValue[] } {
    const out: { [key: string]: MetadataValue[] } = {};
    for (const [k, v] of this.values) out[k] = [...v];
    return out;
  }
}

/** The key lower-cased, after checking it and the kind of its value (the Error is turned into a PantryError by the caller). */
function checkKey(key: string, value: MetadataValue): string {
  const k = key.toLowerCase();
  if (!KEY.test(k)) throw new Error(`metadata key "${key}" contains characters gRPC does not allow`);
  const binary = k.endsWith('-bin');
  if (binary !== value instanceof Uint8Array)
    throw new Error(
      binary
        ? `keys ending in -bin take bytes (a Uint8Array), got a ${typeof value}`
        : 'keys not ending in -bin take strings',
    );
  return k;
}
