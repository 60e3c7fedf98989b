/**
 * What the ops command prints from stored data must not drive the terminal: a status holding
 * ESC[2K and CR would rewrite the line, OSC would set the title, LF would forge a table row, and
 * bidirectional overrides would reorder what is read. C0 and C1 controls, DEL and the
 * bidirectional controls are shown escaped instead.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const hex = (c: string, width: number) => c.charCodeAt(0).toString(16).padStart(width, '0');
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A value for a table cell or a line of text: every control shown as `\n`, `\x1b`, `\u202e`. */
export const terminalSafe = (value: string): string =>
  value.replace(CONTROLS, (c) => NAMED[c] ?? (c.charCodeAt(0) < 0x100 ? `\\x${hex(c, 2)}` : `\\u${hex(c, 4)}`));

/** Everything except line breaks and tabs of an output line (JSON or text) as JSON-style `\uXXXX` escapes: JSON stays JSON. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const OUTPUT_CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
export const safeOutput = (line: string): string => line.replace(OUTPUT_CONTROLS, (c) => `\\u${hex(c, 4)}`);
