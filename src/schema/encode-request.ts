import { Code } from '../errors/code.js';
import type { MethodInfo } from '../pipeline/interceptor.js';
import { PantryError } from '../errors/pantry-error.js';

/**
 * Encodes a request message; when a field holds a value of the wrong type (`quantity: '6'`,
 * an int32 out of range), throws an `INVALID_ARGUMENT` {@link PantryError} naming the field,
 * e.g. `request field food.quantity: invalid int32: string`. The search for the culprit runs
 * only on failure, so encoding costs what ts-proto's encode costs.
 *
 * @example
 * const bytes = encodeRequest(method, { food: { name: 'x', quantity: 6 } });
 */
export function encodeRequest(method: MethodInfo, message: unknown): Buffer {
  try {
    const bytes = method.requestType.encode(message).finish();
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  } catch (err) {
    const path = culprit(method, message as Record<string, unknown>, []) ?? '(unknown field)';
    throw new PantryError({
      code: Code.INVALID_ARGUMENT,
      details: `request field ${path}: ${(err as Error).message}`,
      method: method.path,
      hint: `check the type of ${path} against the ${method.name}Request message`,
      cause: err,
    });
  }
}

/** Finds the first leaf whose value alone fails to encode, by encoding one-leaf requests. */
function culprit(method: MethodInfo, value: Record<string, unknown>, path: string[]): string | undefined {
  for (const [key, v] of Object.entries(value ?? {})) {
    const here = [...path, key];
    if (encodes(method, here, v)) continue;
    if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array) && !(v instanceof Date)) {
      const inner = Array.isArray(v)
        ? v.map((item, i) => (encodes(method, here, [item]) ? undefined : item !== null && typeof item === 'object' ? culprit(method, item, [...here.slice(0, -1), `${key}[${i}]`]) ?? `${here.join('.')}[${i}]` : `${here.join('.')}[${i}]`)).find(Boolean)
        : culprit(method, v as Record<string, unknown>, here);
      if (inner) return inner;
    }
    return here.join('.');
  }
  return undefined;
}

function encodes(method: MethodInfo, path: string[], leaf: unknown): boolean {
  const partial = path.reduceRight<unknown>((acc, key) => ({ [key.replace(/\[\d+\]$/, '')]: key.endsWith(']') ? [acc] : acc }), leaf);
  try {
    method.requestType.encode(method.requestType.fromPartial(partial)).finish();
    return true;
  } catch {
    return false;
  }
}
