const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * An ISO 8601 date (`2027-06-30`, midnight UTC) or date-time (`2027-06-30T12:00:00-06:00`; UTC
 * when it has no offset) as
 * the instant it names, written as `toISOString` does; null for anything else (`tomorrow`,
 * `1735689600`, `2027-02-30`).
 */
export function isoInstant(text: string): string | null {
  const trimmed = text.trim();
  if (!ISO_DATE_TIME.test(trimmed)) return null;
  // A date-time without an offset is UTC (Date.parse would read it in the host's zone).
  const zoned = /T|\s/.test(trimmed.slice(10)) && !/(Z|[+-]\d{2}:?\d{2})$/.test(trimmed) ? `${trimmed.replace(' ', 'T')}Z` : trimmed;
  const ms = Date.parse(zoned);
  if (Number.isNaN(ms)) return null;
  // Date.parse rolls 2027-02-30 over to March: a day that does not exist is refused.
  const [year, month, day] = trimmed.slice(0, 10).split('-').map(Number);
  const check = new Date(Date.UTC(year!, month! - 1, day!));
  if (check.getUTCMonth() !== month! - 1 || check.getUTCDate() !== day) return null;
  return new Date(ms).toISOString();
}

export const ISO_INSTANT_RULE = 'must be an ISO 8601 date or date-time (2027-06-30, 2027-06-30T12:00:00Z)';
