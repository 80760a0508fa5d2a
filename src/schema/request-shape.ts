import type { MessageType } from './message-type.js';

/** The JS shape of a generated message, derived once from its `fromPartial`. */
export type Shape =
  | { kind: 'string' | 'number' | 'boolean' | 'date' | 'bytes' | 'any' }
  | { kind: 'message'; fields: Record<string, Shape> }
  | { kind: 'array'; element: Shape };

/** Builds a whole request around one field's value, and reads that field back from a filled-in request. */
interface Probe {
  type: Pick<MessageType<unknown>, 'fromPartial' | 'encode'>;
  wrap: (o: unknown) => unknown;
  pick: (message: any) => any;
}

/**
 * Derives the field shape of a ts-proto message by probing its `fromPartial` (defaults tell
 * strings, numbers and booleans apart; a nested message answers `{}` with its own defaults).
 * Computed once per method, so checking a request is a walk over the fields the caller gave.
 *
 * @example
 * const shape = shapeOf(AddFoodRequest);
 * checkShape(shape, { food: { quantity: '6' } }) // 'food.quantity: expected a number, got a string'
 */
export function shapeOf(type: Pick<MessageType<unknown>, 'fromPartial' | 'encode'>): Shape {
  return messageShape({ type, wrap: (o) => o, pick: (m) => m }, 0);
}

function messageShape(p: Probe, depth: number): Shape {
  if (depth > 8) return { kind: 'any' }; // recursive messages: stop describing, let encode judge
  const base = p.pick(p.type.fromPartial(p.wrap({}))) as Record<string, unknown>;
  const fields: Record<string, Shape> = Object.create(null); // no inherited names: 'constructor' is not a field
  for (const [key, value] of Object.entries(base)) fields[key] = fieldShape(p, key, value, depth);
  return { kind: 'message', fields };
}

function fieldShape(p: Probe, key: string, value: unknown, depth: number): Shape {
  if (typeof value === 'string') return { kind: 'string' };
  if (typeof value === 'number') return { kind: 'number' };
  if (typeof value === 'boolean') return { kind: 'boolean' };
  if (value instanceof Uint8Array) return { kind: 'bytes' };
  const inner: Probe = { type: p.type, wrap: (o) => p.wrap({ [key]: o }), pick: (m) => p.pick(m)[key] };
  if (Array.isArray(value)) {
    const probe = {};
    const element = inner.pick(inner.type.fromPartial(inner.wrap([probe])))[0];
    // A list of primitives passes the probe through untouched; a list of messages builds new ones.
    if (element !== probe) return { kind: 'array', element: messageShape({ ...inner, wrap: (o) => inner.wrap([o]), pick: (m) => inner.pick(m)[0] }, depth + 1) };
    return { kind: 'array', element: encodes(inner, ['']) ? { kind: 'string' } : encodes(inner, [0]) ? { kind: 'number' } : { kind: 'any' } };
  }
  const probe = {};
  const nested = inner.pick(inner.type.fromPartial(inner.wrap(probe)));
  if (nested !== probe && nested && typeof nested === 'object') return messageShape(inner, depth + 1);
  // Passed through as is: a well-known type ts-proto maps to a JS value (Timestamp → Date, FieldMask → string[]).
  if (encodes(inner, ['a'])) return { kind: 'array', element: { kind: 'string' } };
  if (encodes(inner, new Date(0))) return { kind: 'date' };
  return { kind: 'any' };
}

function encodes(p: Probe, value: unknown): boolean {
  try {
    const bytes = p.type.encode(p.type.fromPartial(p.wrap(value))).finish();
    return bytes.length > 0;
  } catch {
    return false;
  }
}

/**
 * Checks a partial request against its shape; returns `path: problem` for the first field
 * with an unknown name or a value of the wrong type, or `undefined` when it fits.
 *
 * @example
 * checkShape(shape, { food: { nam: 'rice' } }) // 'food.nam: no such field (fields: id, name, …)'
 */
export function checkShape(shape: Shape, value: unknown, path = ''): string | undefined {
  if (value === undefined || value === null) return undefined;
  switch (shape.kind) {
    case 'any':
      return undefined;
    case 'string':
    case 'number':
    case 'boolean':
      if (typeof value !== shape.kind || (shape.kind === 'number' && !Number.isFinite(value))) return `${path}: expected a ${shape.kind}, got ${describe(value)}`;
      return undefined;
    case 'date':
      return value instanceof Date && !Number.isNaN(+value) ? undefined : `${path}: expected a valid Date, got ${describe(value)}`;
    case 'bytes':
      return value instanceof Uint8Array ? undefined : `${path}: expected a Uint8Array, got ${describe(value)}`;
    case 'array': {
      if (!Array.isArray(value)) return `${path}: expected an array, got ${describe(value)}`;
      for (let i = 0; i < value.length; i++) {
        const problem = checkShape(shape.element, value[i], `${path}[${i}]`);
        if (problem) return problem;
      }
      return undefined;
    }
    case 'message': {
      if (typeof value !== 'object' || Array.isArray(value)) return `${path || 'request'}: expected an object, got ${describe(value)}`;
      for (const key of Object.keys(value)) {
        const field = Object.hasOwn(shape.fields, key) ? shape.fields[key] : undefined;
        const here = path ? `${path}.${key}` : key;
        if (!field) return `${here}: no such field (fields: ${Object.keys(shape.fields).join(', ')})`;
        const problem = checkShape(field, (value as Record<string, unknown>)[key], here);
        if (problem) return problem;
      }
      return undefined;
    }
  }
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value === 'string') return `a string (${JSON.stringify(value.length > 20 ? value.slice(0, 20) + '…' : value)})`;
  return typeof value === 'object' ? (value instanceof Date ? 'an invalid Date' : 'an object') : `a ${typeof value}`;
}
