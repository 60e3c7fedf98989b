import { ExactNumber } from './json-body.js';

/**
 * JSON with object keys sorted at every depth: the same content gives the same text whatever the
 * sender's key order (Veriff may reorder properties without notice). An ExactNumber is written as
 * its exact decimal, which no JavaScript number's text equals (json-body.ts), so two payloads that
 * differ in a number never give the same text. Written directly, without building sorted copies.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (value instanceof ExactNumber) return value.decimal;
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i += 1) out += (i > 0 ? ',' : '') + canonicalJson(value[i]);
    return out + ']';
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    out += (out.length > 1 ? ',' : '') + JSON.stringify(key) + ':' + canonicalJson(item);
  }
  return out + '}';
}
