import { ExactNumber } from './json-body.js';

/** Reading fields of a payload whose shape is not trusted: what is not of the expected type is null. */
export type Json = Record<string, unknown>;

/** The value as an object (not an array), or undefined. */
export function object(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof ExactNumber)
    ? (value as Json)
    : undefined;
}

/** A string as sent, else null. */
export function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** A customer's reference: a non-empty string, or a number as its text; empty or anything else is null. */
export function reference(value: unknown): string | null {
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (value instanceof ExactNumber) return value.source;
  return null;
}

/** The payload without its top-level `time` (the send time, new on each redelivery), for deduplication. */
export function withoutTime(payload: unknown): unknown {
  const fields = object(payload);
  if (!fields || !('time' in fields)) return payload;
  const { time: _time, ...rest } = fields;
  return rest;
}
