import type { PayloadView } from '../access/payload-access.js';
import type { StoredEvent } from '../store/event-store.js';
import type { CliContext } from './cli-context.js';
import { eventJson } from '../sessions/session-json.js';
import { shortTime, tableLine } from './table.js';
import { terminalSafe } from './terminal-safe.js';

const HEADERS = ['seq', 'received', 'provider', 'type', 'session', 'reference', 'status', 'deliveries', 'integration'];
const cells = (e: StoredEvent) => [
  e.seq,
  shortTime(e.receivedAt),
  e.provider,
  e.type,
  e.sessionId ?? '-',
  e.reference ?? '-',
  e.status ?? '-',
  String(e.deliveries),
  e.integration ?? '-',
];

/** Column widths a followed table keeps: a session id or a reference of usual length fits. */
const MIN_WIDTHS = [6, 20, 8, 14, 36, 16, 12, 10, 11];

/**
 * Prints events as a table or as JSON lines. The table's widths are set by the first batch (at
 * least MIN_WIDTHS) and kept, so rows printed later by `tail --follow` line up with the header.
 */
export function eventPrinter(ctx: CliContext, json: boolean): (events: StoredEvent[], payloads: PayloadView) => void {
  let line: ((cells: string[]) => string) | undefined;
  return (events, payloads) => {
    if (json) {
      for (const e of events) ctx.out(eventJson(e, payloads));
      return;
    }
    if (events.length === 0) return;
    if (!line) {
      const rows = events.map(cells);
      line = tableLine(HEADERS.map((h, i) => Math.max(MIN_WIDTHS[i]!, h.length, ...rows.map((r) => terminalSafe(r[i]!).length))));
      ctx.out(line(HEADERS));
    }
    for (const e of events) ctx.out(line(cells(e)));
  };
}
