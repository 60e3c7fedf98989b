/** Columns padded to their widest cell; the last column is not padded. */
export function renderTable(headers: string[], rows: string[][]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}

/** `2026-11-22T10:00:00.123Z` → `2026-11-22 10:00:00Z`. */
export const shortTime = (iso: string) => `${iso.replace('T', ' ').slice(0, 19)}Z`;
