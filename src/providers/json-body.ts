import { isUtf8 } from 'node:buffer';

/** The deepest nesting kept (the outermost value is level 1); deeper is not a payload any vendor sends. */
export const MAX_DEPTH = 64;

/**
 * A number whose JSON text a JavaScript number cannot hold (`1e400`, `12345678901234567891`): kept
 * as its exact decimal value, so that two payloads that differ only there never share an event id.
 */
export class ExactNumber {
  constructor(
    /** The number as the sender wrote it. */
    readonly source: string,
    /** The value in one spelling per value: digits without leading or trailing zeros, and an exponent. */
    readonly decimal: string,
  ) {}
}

export type JsonBody = { ok: true; text: string; value: unknown } | { ok: false; message: string };

/** A decimal number's value in one spelling: `-` sign, significant digits, `e` exponent (`12e3` for 12000). */
function normalDecimal(text: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match) return text;
  const [, sign, int, frac = '', exp = '0'] = match;
  let digits = (int! + frac).replace(/^0+/, '');
  if (digits === '') return '0';
  let exponent = BigInt(exp) - BigInt(frac.length);
  const trailing = digits.length - digits.replace(/0+$/, '').length;
  digits = digits.slice(0, digits.length - trailing);
  exponent += BigInt(trailing);
  return `${sign}${digits}e${exponent}`;
}

/**
 * A number literal a double holds without loss of value: then its JavaScript number is used as it
 * is (so ordinary payloads keep the event ids they always had); otherwise its exact decimal.
 */
function exactNumber(source: string, value: number): number | ExactNumber {
  const exact = normalDecimal(source);
  if (Number.isFinite(value) && normalDecimal(String(value)) === exact) return value;
  return new ExactNumber(source, exact);
}

/**
 * A literal with at most 15 significant digits and no exponent is always held exactly (IEEE 754
 * doubles keep 15 decimal digits); only bodies with a number of 16 characters or more, or with an
 * exponent, need the slower exact parse. A number follows `:`, `[` or `,`; the same characters
 * inside a string (rare) only cost that slower parse.
 */
const MAY_LOSE_PRECISION = /[:,[]\s*-?(?:[0-9][0-9.]{15}|[0-9.]+[eE])/;

/** The nesting depth of JSON text, counting brackets outside strings (the text is valid JSON). */
function depthOf(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x7d || c === 0x5d) depth -= 1;
  }
  return deepest;
}

/**
 * Strict JSON from the exact request bytes (UTF-8, RFC 8259). Numbers that a double cannot hold
 * become ExactNumber. A failure says where, never what: a parse error's message from V8 quotes
 * the text around the error, which may be personal data.
 */
export function parseJsonBody(bytes: Buffer): JsonBody {
  if (!isUtf8(bytes)) return { ok: false, message: 'body is not valid UTF-8' };
  const decoded = bytes.toString('utf8');
  // A leading byte-order mark is allowed to be ignored (RFC 8259 §8.1); JSON.parse would refuse it.
  const text = decoded.charCodeAt(0) === 0xfeff ? decoded.slice(1) : decoded;
  let value: unknown;
  try {
    value = MAY_LOSE_PRECISION.test(text)
      ? JSON.parse(text, (_key, v: unknown, context?: { source?: string }) =>
          typeof v === 'number' && context?.source !== undefined ? exactNumber(context.source, v) : v,
        )
      : JSON.parse(text);
  } catch (error) {
    const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
    return {
      ok: false,
      message:
        text.trim() === '' ? 'empty body, expected JSON' : `not valid JSON${position !== undefined ? ` at position ${position}` : ''}`,
    };
  }
  return { ok: true, text, value };
}

/** Whether JSON text nests deeper than MAX_DEPTH. */
export function tooDeep(text: string): boolean {
  return depthOf(text) > MAX_DEPTH;
}

/**
 * The path of the first key that appears twice in one object, at any depth, or null. JSON.parse
 * keeps the last of them, another parser the first: such a body means two things, so it is not
 * stored as an event. Keys are compared by value (`"a"` and `"\u0061"` are the same key). The
 * text is valid JSON.
 */
export function duplicateKey(text: string): string | null {
  /** Per open object: its keys so far, and whether the next string is a key. */
  const objects: ({ keys: Set<string>; expectKey: boolean; path: string } | null)[] = [];
  let lastKey = '';
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let end = i + 1;
      let escaped = false;
      while (end < text.length) {
        const d = text.charCodeAt(end);
        if (d === 0x5c) {
          escaped = true;
          end += 2;
          continue;
        }
        if (d === 0x22) break;
        end += 1;
      }
      const top = objects[objects.length - 1];
      if (top && top.expectKey) {
        const raw = text.slice(i + 1, end);
        const key = escaped ? (JSON.parse(text.slice(i, end + 1)) as string) : raw;
        if (top.keys.has(key)) return top.path === '' ? key : `${top.path}.${key}`;
        top.keys.add(key);
        top.expectKey = false;
        lastKey = key;
      }
      i = end;
    } else if (c === 0x7b /* { */) {
      const parent = objects[objects.length - 1];
      const path = parent === undefined ? '' : parent === null ? '[]' : parent.path === '' ? lastKey : `${parent.path}.${lastKey}`;
      objects.push({ keys: new Set(), expectKey: true, path });
    } else if (c === 0x5b /* [ */) objects.push(null);
    else if (c === 0x7d /* } */ || c === 0x5d /* ] */) objects.pop();
    else if (c === 0x2c /* , */) {
      const top = objects[objects.length - 1];
      if (top) top.expectKey = true;
    }
  }
  return null;
}
