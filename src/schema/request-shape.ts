import { ScalarType, type DescField, type DescMessage } from '@bufbuild/protobuf';

/** The JS shape of a generated (ts-proto) message, read from its descriptor. */
export type Shape =
  | { kind: 'string' | 'number' | 'boolean' | 'date' | 'bytes' | 'any' }
  | { kind: 'message'; fields: Record<string, Shape> }
  | { kind: 'array'; element: Shape };

/**
 * The field shape of a message as ts-proto represents it (`useDate=true`, numbers for 64-bit
 * integers and enums), read from the message's descriptor. Computed once per method, so
 * checking a request is a walk over the fields the caller gave.
 *
 * @example
 * const shape = shapeOf(schemaOf(AddFoodRequest));
 * checkShape(shape, { food: { quantity: '6' } }) // 'food.quantity: expected a number, got a string ("6")'
 */
export function shapeOf(desc: DescMessage, depth = 0): Shape {
  if (depth > 8) return { kind: 'any' }; // recursive messages: stop describing, let encode judge
  const fields: Record<string, Shape> = Object.create(null); // no inherited names: 'constructor' is not a field
  for (const field of desc.fields) fields[field.localName] = fieldShape(field, depth);
  return { kind: 'message', fields };
}

function fieldShape(field: DescField, depth: number): Shape {
  switch (field.fieldKind) {
    case 'scalar':
      return scalarShape(field.scalar);
    case 'enum':
      return { kind: 'number' };
    case 'message':
      return messageShape(field.message, depth);
    case 'list':
      return {
        kind: 'array',
        element:
          field.listKind === 'scalar'
            ? scalarShape(field.scalar)
            : field.listKind === 'enum'
              ? { kind: 'number' }
              : messageShape(field.message, depth),
      };
    case 'map':
      return { kind: 'any' };
  }
}

function scalarShape(type: ScalarType): Shape {
  if (type === ScalarType.STRING) return { kind: 'string' };
  if (type === ScalarType.BOOL) return { kind: 'boolean' };
  if (type === ScalarType.BYTES) return { kind: 'bytes' };
  return { kind: 'number' };
}

function messageShape(desc: DescMessage, depth: number): Shape {
  // Well-known types ts-proto maps to JS values: Timestamp → Date, FieldMask → string[].
  if (desc.typeName === 'google.protobuf.Timestamp') return { kind: 'date' };
  if (desc.typeName === 'google.protobuf.FieldMask') return { kind: 'array', element: { kind: 'string' } };
  if (desc.typeName.startsWith('google.protobuf.')) return { kind: 'any' };
  return shapeOf(desc, depth + 1);
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
      if (typeof value !== shape.kind || (shape.kind === 'number' && !Number.isFinite(value)))
        return `${path}: expected a ${shape.kind}, got ${describe(value)}`;
      return undefined;
    case 'date':
      return value instanceof Date && !Number.isNaN(+value)
        ? undefined
        : `${path}: expected a valid Date, got ${describe(value)}`;
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
      if (typeof value !== 'object' || Array.isArray(value))
        return `${path || 'request'}: expected an object, got ${describe(value)}`;
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
  if (typeof value === 'string')
    return `a string (${JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}…` : value)})`;
  return typeof value === 'object' ? (value instanceof Date ? 'an invalid Date' : 'an object') : `a ${typeof value}`;
}

/**
 * A shallower {@link Shape} read from a ts-proto codec alone (no descriptor): the fields of
 * `fromPartial({})` with the kind of their default value (`''` a string, `0` a number, `[]` a
 * list, a message field `'any'`). The browser client checks requests with it: an unknown field
 * or a scalar of the wrong type is refused, nested messages are left to the encoder.
 *
 * @example
 * checkShape(shapeFromDefaults(ListFoodsRequest), { pageSiz: 10 }) // 'pageSiz: no such field (fields: pageSize, …)'
 */
export function shapeFromDefaults(type: { fromPartial(object: object): unknown }): Shape {
  const fields: Record<string, Shape> = Object.create(null);
  for (const [key, value] of Object.entries(type.fromPartial({}) as object)) {
    fields[key] =
      typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
        ? { kind: typeof value as 'string' | 'number' | 'boolean' }
        : value instanceof Uint8Array
          ? { kind: 'bytes' }
          : Array.isArray(value)
            ? { kind: 'array', element: { kind: 'any' } }
            : { kind: 'any' };
  }
  return { kind: 'message', fields };
}
