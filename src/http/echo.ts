/** The longest piece of a request value (a content type, an API key) that a log line repeats. */
export const ECHO_MAX = 100;

/** A value from a request as a log line may repeat it: JSON-quoted, cut to ECHO_MAX characters. */
export function echo(value: string | undefined): string {
  if (value === undefined) return 'none';
  return JSON.stringify(value.length > ECHO_MAX ? `${value.slice(0, ECHO_MAX)}…` : value);
}
