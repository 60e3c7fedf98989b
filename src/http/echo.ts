/** The longest piece of a request value (a content type, an API key) that a log line repeats. */
export const ECHO_MAX = 100;

/** Controls a terminal showing the log may obey: C0 and C1, DEL, and the bidirectional controls. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const cut = (value: string) => (value.length > ECHO_MAX ? `${value.slice(0, ECHO_MAX)}…` : value);

/** A value from a request as a log field carries it: at most ECHO_MAX characters, every control shown as `\u….`. */
export const echoed = (value: string): string => cut(value).replace(CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** A value from a request as a log message may repeat it: JSON-quoted, cut and escaped as `echoed` does. */
export function echo(value: string | undefined): string {
  return value === undefined ? 'none' : `"${echoed(value).replace(/"/g, '\\"')}"`;
}
