import { terminalSafe } from './terminal-safe.js';

/** Columns padded to their widest cell (cells terminal-safe); the last column is not padded. */
export function renderTable(headers: string[], rows: string[][]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => terminalSafe(r[i] ?? '').length)));
  const line = tableLine(widths);
  return [line(headers), ...rows.map(line)];
}

/**
 * One row at fixed column widths (the last column is not padded); a longer cell is cut with `…`.
 * Controls in a cell are shown escaped (terminal-safe.ts): a row stays one line.
 */
export function tableLine(widths: readonly number[]): (cells: string[]) => string {
  const fit = (cell: string, width: number) => (cell.length > width ? `${cell.slice(0, width - 1)}…` : cell.padEnd(width));
  return (raw) =>
    raw
      .map(terminalSafe)
      .map((c, i) => (i === raw.length - 1 ? c : fit(c, widths[i]!)))
      .join('  ')
      .trimEnd();
}

/** `2026-11-22T10:00:00.123Z` → `2026-11-22 10:00:00Z`. */
export const shortTime = (iso: string) => `${iso.replace('T', ' ').slice(0, 19)}Z`;
