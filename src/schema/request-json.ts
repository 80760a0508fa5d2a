import { ScalarType, type DescEnum, type DescField, type DescMessage } from '@bufbuild/protobuf';
import { enumObjectOf } from './registry.js';

/**
 * The first field of a JSON request that cannot become a request value: its path and the problem.
 *
 * @example
 * try { requestFromJson(schema, { pageSiz: 10 }); } catch (err) { if (err instanceof RequestJsonError) console.error(err.message); }
 */
export class RequestJsonError extends Error {
  override name = 'RequestJsonError';
}

/**
 * Turns parsed JSON (proto3 JSON as grpcurl and the Go server write it) into the partial request
 * object the typed API takes, so `pantry-client call` goes through the same checks as
 * `client.foodStorage.addFood(…)`: field names as the JSON name (`pageSize`) or the proto name
 * (`page_size`); an unknown field is refused; an enum value by name — the names of the generated
 * enum object (looked up from the descriptor, so they follow the generated code) or the proto
 * value names — or by number; a `google.protobuf.Timestamp` as an RFC 3339 string (becomes a
 * `Date`); a FieldMask as `"a,b"` or an array; bytes as base64; 64-bit integers also as strings.
 * Other values are passed as given, for the API's own type check (`checkShape`) to judge.
 * Throws a {@link RequestJsonError} `path: problem` for the first value that cannot be converted.
 *
 * @example
 * requestFromJson(schemaOf(ListFoodsRequest), { page_size: 10, category: 'CATEGORY_WATER' }) // { pageSize: 10, category: 1 }
 * requestFromJson(schemaOf(ListFoodsRequest), { pageSiz: 10 }) // throws 'pageSiz: no such field (fields: pageSize, …)'
 */
export function requestFromJson(desc: DescMessage, json: unknown, path = ''): Record<string, unknown> {
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw new RequestJsonError(`${path || 'request'}: expected a JSON object, got ${kind(json)}`);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    const field = desc.fields.find((f) => f.jsonName === key || f.name === key || f.localName === key);
    const here = path ? `${path}.${key}` : key;
    if (!field)
      throw new RequestJsonError(`${here}: no such field (fields: ${desc.fields.map((f) => f.jsonName).join(', ')})`);
    if (value === null) continue; // proto3 JSON: null is the default
    out[field.localName] = fieldValue(field, value, path ? `${path}.${field.jsonName}` : field.jsonName);
  }
  return out;
}

function fieldValue(field: DescField, value: unknown, path: string): unknown {
  switch (field.fieldKind) {
    case 'scalar':
      return scalarValue(field.scalar, value, path);
    case 'enum':
      return enumValue(field.enum, value, path);
    case 'message':
      return messageValue(field.message, value, path);
    case 'list':
      if (!Array.isArray(value)) return value; // the API's check names it
      return value.map((v, i) => {
        const at = `${path}[${i}]`;
        if (field.listKind === 'scalar') return scalarValue(field.scalar, v, at);
        if (field.listKind === 'enum') return enumValue(field.enum, v, at);
        return messageValue(field.message, v, at);
      });
    case 'map':
      return value;
  }
}

const LONG = new Set([ScalarType.INT64, ScalarType.UINT64, ScalarType.SINT64, ScalarType.FIXED64, ScalarType.SFIXED64]);

function scalarValue(type: ScalarType, value: unknown, path: string): unknown {
  if (LONG.has(type) && typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  if (type === ScalarType.BYTES && typeof value === 'string') {
    if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(value))
      throw new RequestJsonError(`${path}: expected base64 bytes, got ${kind(value)}`);
    return new Uint8Array(Buffer.from(value, 'base64'));
  }
  return value;
}

function enumValue(desc: DescEnum, value: unknown, path: string): unknown {
  if (typeof value !== 'string') return value; // a number: the API's check judges it
  const generated = enumObjectOf(desc) ?? {};
  // The generated enum object's names first (a numeric TypeScript enum also maps numbers to names: skip those keys).
  const names = Object.keys(generated).filter((k) => !/^-?\d+$/.test(k) && k !== 'UNRECOGNIZED');
  if (names.includes(value)) return generated[value];
  // The proto names (what proto3 JSON, grpcurl and the Go server use), mapped to the generated value of that number.
  const proto = desc.values.find((v) => v.name === value);
  if (proto) {
    const name = names.find((n) => generated[n] === proto.number || generated[n] === proto.name);
    return name === undefined ? proto.number : generated[name];
  }
  throw new RequestJsonError(
    `${path}: "${value}" is not a ${desc.typeName} (one of: ${(names.length ? names : desc.values.map((v) => v.name)).join(', ')})`,
  );
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

function messageValue(desc: DescMessage, value: unknown, path: string): unknown {
  switch (desc.typeName) {
    case 'google.protobuf.Timestamp': {
      if (typeof value !== 'string' || !RFC3339.test(value) || Number.isNaN(Date.parse(value)))
        throw new RequestJsonError(
          `${path}: expected an RFC 3339 timestamp such as "2027-01-01T00:00:00Z", got ${kind(value)}`,
        );
      return new Date(value);
    }
    case 'google.protobuf.FieldMask':
      return typeof value === 'string' ? value.split(',').filter(Boolean) : value;
  }
  if (desc.typeName.startsWith('google.protobuf.')) return value;
  return requestFromJson(desc, value, path);
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return `a string (${JSON.stringify(value.length > 30 ? `${value.slice(0, 30)}…` : value)})`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
